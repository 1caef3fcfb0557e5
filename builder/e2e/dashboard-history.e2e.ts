import { beforeAll, describe, expect, it } from 'vitest';
import { FIRST_USER, openApp, waitForSaved } from './support/app';
import { CHROMIUM_AVAILABLE, saveScreenshot } from './support/browser';
import { useSpecSession } from './support/spec-session';

const TEMPLATE_NAME = 'Lead qualification';

describe.skipIf(!CHROMIUM_AVAILABLE)('dashboard, templates, versions, triggers and run history', () => {
  const spec = useSpecSession();

  beforeAll(async () => {
    await spec.browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: spec.runtime.url });
  });

  it('goes from the dashboard to a run timeline', async () => {
    const { page } = spec.browser;

    // The dashboard is the landing screen, with 30 days of bars and the graphs one click away.
    await openApp(page, spec.runtime.url, '/', 'main.dashboard');
    const runsChart = page.getByRole('img', { name: 'Runs per day' });
    await runsChart.waitFor();
    expect(await runsChart.locator('rect').count()).toBe(30);
    expect(await page.getByRole('link', { name: 'Playground' }).getAttribute('href')).toBe('/playground');
    await page.getByRole('navigation', { name: 'Quick links' }).getByRole('link', { name: 'Graphs' }).click();
    await page.waitForSelector('main.list');

    // New from template.
    await page.getByRole('button', { name: 'New from template' }).click();
    const templateDialog = page.locator('dialog[open]');
    await templateDialog.getByRole('radio', { name: new RegExp(TEMPLATE_NAME) }).check();
    await templateDialog.getByRole('button', { name: 'Create graph' }).click();
    await page.waitForSelector('[data-testid="node-validate"]');
    const graphId = page.url().split('/graphs/')[1];
    expect(await page.locator('.react-flow__node').count()).toBe(6);

    // Publish v1, then a rename saves draft v2.
    await page.getByRole('button', { name: 'Publish', exact: true }).click();
    await expect.poll(() => page.locator('[data-testid="published-badge"]').textContent()).toBe('Published v1');
    await expect.poll(() => page.locator('[data-testid="editing-badge"]').getAttribute('data-kind')).toBe('published');
    const nameInput = page.getByRole('textbox', { name: 'Graph name' });
    await nameInput.fill(`${TEMPLATE_NAME} v2`);
    await waitForSaved(page);
    await expect.poll(() => page.locator('[data-testid="editing-badge"]').textContent()).toBe('editing draft v2');

    // Versions: view v1 read-only, restore it into the draft, undo, restore again.
    await page.getByRole('button', { name: 'Versions' }).click();
    const versions = page.getByTestId('versions-panel');
    await versions.locator('[data-version="2"]').waitFor();
    expect(await versions.locator('[data-version="1"]').textContent()).toContain('published: triggers run it');
    expect(await versions.locator('[data-version="1"]').textContent()).toContain(`by ${FIRST_USER.email}`);
    await versions.getByRole('button', { name: 'View v1' }).click();
    const viewDialog = page.locator('dialog[open]');
    expect(await viewDialog.getByRole('heading').textContent()).toBe(`Version 1 of ${TEMPLATE_NAME} (read-only)`);
    expect(await viewDialog.locator('tbody tr').count()).toBe(6);
    await viewDialog.getByRole('button', { name: 'Close' }).click();
    await versions.getByRole('button', { name: 'Restore v1' }).click();
    await expect.poll(() => nameInput.inputValue()).toBe(TEMPLATE_NAME);
    await page.locator('.notices').getByRole('button', { name: 'Undo' }).click();
    await expect.poll(() => nameInput.inputValue()).toBe(`${TEMPLATE_NAME} v2`);
    await versions.getByRole('button', { name: 'Restore v1' }).click();
    await expect.poll(() => nameInput.inputValue()).toBe(TEMPLATE_NAME);
    await waitForSaved(page);
    await saveScreenshot(page, 'versions-panel');

    // Triggers: manual input checked against the template's input schema.
    await page.getByRole('button', { name: 'Triggers' }).click();
    const triggers = page.getByTestId('triggers-panel');
    const problems = triggers.getByTestId('manual-input-problems');
    await expect.poll(() => problems.textContent()).toContain('/body/name');
    await triggers.getByLabel('Manual input (JSON)').fill('{ "body": { "name": "Ana", "email": "ana@example.com", "budget": "lots" } }');
    await expect.poll(() => problems.textContent()).toContain('/body/budget');
    await triggers.getByLabel('Manual input (JSON)').fill('{ "body": { "name": "Ana", "email": "ana@example.com", "budget": 20000 } }');
    await problems.waitFor({ state: 'detached' });
    await triggers.getByRole('button', { name: 'Run with this input' }).click();
    await page.waitForSelector('[data-testid="run-bar"][data-run-status="succeeded"]');

    // Webhook URLs with copy buttons.
    const testUrl = `${spec.runtime.url}/hooks/${graphId}/test`;
    expect(await triggers.getByRole('textbox', { name: 'Test URL' }).inputValue()).toBe(testUrl);
    expect(await triggers.getByRole('textbox', { name: 'Production URL' }).inputValue()).toBe(`${spec.runtime.url}/hooks/${graphId}`);
    await triggers.getByRole('button', { name: 'Copy Test URL' }).click();
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe(testUrl);

    // Listen for a test event, then send one from here.
    await triggers.getByRole('button', { name: 'Listen for test event' }).click();
    await triggers.getByText('Waiting for a request to the test URL…').waitFor();
    const sent = await fetch(`${testUrl}?source=e2e`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-lead-source': 'e2e-spec' },
      body: JSON.stringify({ name: 'Bia', email: 'bia@example.com', budget: 500 }),
    });
    expect(sent.status).toBe(200);
    expect(await sent.json()).toMatchObject({ lead: 'Bia', tier: 'cold' });
    const delivery = triggers.getByTestId('received-delivery');
    await delivery.waitFor();
    expect(await delivery.getByRole('heading', { name: 'Received POST request' }).count()).toBe(1);
    expect(await delivery.getByRole('row', { name: /x-lead-source/ }).textContent()).toContain('e2e-spec');
    expect(JSON.parse((await delivery.getByTestId('received-body').textContent()) ?? 'null')).toEqual({ name: 'Bia', email: 'bia@example.com', budget: 500 });

    // Cron schedule: preview, save into the draft, publish, pause and resume.
    await triggers.getByLabel('Cron expression').fill('0 9 * * MON-FRI');
    await triggers.getByLabel('Time zone').selectOption('America/Sao_Paulo');
    await triggers.getByLabel('Missed fires').selectOption('runOnce');
    const preview = triggers.getByTestId('schedule-preview');
    await expect.poll(() => preview.locator('li').count()).toBe(5);
    const fires = await preview.locator('time').evaluateAll((items) => items.map((item) => item.getAttribute('datetime') ?? ''));
    for (const fire of fires) {
      // 09:00 in São Paulo (UTC-3, no daylight saving time since 2019) is 12:00 UTC, on a weekday.
      expect(new Date(fire).getUTCHours()).toBe(12);
      expect([1, 2, 3, 4, 5]).toContain(new Date(fire).getUTCDay());
    }
    await saveScreenshot(page, 'triggers-panel');
    await triggers.getByRole('button', { name: 'Save schedule' }).click();
    await waitForSaved(page);
    await expect.poll(() => page.locator('[data-testid="editing-badge"]').textContent()).toBe('editing draft v3');
    await page.getByRole('button', { name: 'Publish', exact: true }).click();
    // The runs above froze v2, so the schedule was saved as v3.
    await expect.poll(() => page.locator('[data-testid="published-badge"]').textContent()).toBe('Published v3');
    const live = triggers.getByTestId('live-schedule');
    await expect.poll(() => live.getAttribute('data-paused')).toBe('false');
    expect(await live.textContent()).toContain('“0 9 * * MON-FRI” in America/Sao_Paulo, from v3');
    await live.getByRole('button', { name: 'Pause' }).click();
    await expect.poll(() => live.getAttribute('data-paused')).toBe('true');
    await live.getByRole('button', { name: 'Resume' }).click();
    await expect.poll(() => live.getAttribute('data-paused')).toBe('false');

    // Run history of the graph, filtered by trigger, then the run view with its timeline.
    await page.getByRole('toolbar').getByRole('link', { name: 'Runs' }).click();
    await page.waitForSelector('main.runs');
    await expect.poll(() => page.locator('tr[data-run-id]').count()).toBe(2);
    await page.getByLabel('Trigger').selectOption('webhook-test');
    await expect.poll(() => page.locator('tr[data-run-id]').count()).toBe(1);
    expect(page.url()).toContain('trigger=webhook-test');
    await page.getByLabel('Trigger').selectOption('manual');
    await expect.poll(() => page.locator('tr[data-run-id]').count()).toBe(1);
    await page.locator('tr[data-run-id] a').first().click();
    const timeline = page.getByTestId('timeline');
    await timeline.waitFor();
    expect(await page.getByTestId('run-status').textContent()).toBe('succeeded');
    // validate and score ran, then the hot reply; the other replies were skipped.
    expect(await timeline.locator('[data-node-id="replyHot"] .timeline__bar').count()).toBe(1);
    expect(await timeline.locator('[data-node-id="validate"]').getAttribute('data-attempts')).toBe('1');
    expect(await timeline.locator('.timeline__bar').count()).toBe(3);
    await saveScreenshot(page, 'run-timeline');
    await page.setViewportSize({ width: 390, height: 800 });
    await saveScreenshot(page, 'run-timeline-narrow');
    await page.setViewportSize({ width: 1280, height: 800 });

    // Back on the dashboard, both runs are counted today and listed.
    await page.getByRole('link', { name: 'GestorLead Studio' }).click();
    await page.waitForSelector('main.dashboard');
    await expect.poll(() => page.locator('main.dashboard tr[data-run-id]').count()).toBe(2);
    expect(await runsChart.locator('rect').last().getAttribute('data-value')).toBe('2');
    await saveScreenshot(page, 'dashboard');
    expect(spec.browser.pageErrors).toEqual([]);
  });
});
