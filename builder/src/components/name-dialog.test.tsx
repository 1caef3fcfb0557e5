import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { I18nProvider } from '../i18n/i18n';
import { NameDialog } from './name-dialog';

afterEach(cleanup);

function renderDialog(initialName: string) {
  const events: string[] = [];
  render(
    <I18nProvider initial="en">
      <NameDialog
        title="Rename graph"
        label="Name"
        submitLabel="Save"
        initialName={initialName}
        onSubmit={(name) => events.push(`submit:${name}`)}
        onClose={() => events.push('close')}
      />
    </I18nProvider>,
  );
  const input = screen.getByLabelText<HTMLInputElement>('Name');
  const save = screen.getByRole<HTMLButtonElement>('button', { name: 'Save', hidden: true });
  return { events, input, save };
}

describe('NameDialog', () => {
  it('starts with the initial name', () => {
    const { input } = renderDialog('Lead intake');
    expect(input.value).toBe('Lead intake');
    expect(input.maxLength).toBe(200);
  });

  it('closes, then submits the trimmed name', () => {
    const { events, input, save } = renderDialog('Lead intake');
    fireEvent.change(input, { target: { value: '  Lead intake v2 ' } });
    fireEvent.click(save);
    expect(events).toEqual(['close', 'submit:Lead intake v2']);
  });

  it('disables saving a blank name', () => {
    const { events, input, save } = renderDialog('Lead intake');
    fireEvent.change(input, { target: { value: '   ' } });
    expect(save.disabled).toBe(true);
    fireEvent.submit(input.form!);
    expect(events).toEqual([]);
  });
});
