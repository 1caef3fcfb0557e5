import { defineAction, p } from '@gestorlead/sdk-plugin/plugin';
import { renderText, templateScope } from '../values.js';

/** `core/template@1`: text with `{{ path }}` placeholders filled from the input. */
export const templateAction = defineAction({
  name: 'template',
  version: 1,
  displayName: 'Template',
  description: 'Fills {{ input.field }} placeholders in a text; objects are written as JSON and missing values as "".',
  group: 'Data',
  config: {
    template: p.text({ displayName: 'Template', required: true, multiline: true, placeholder: 'Hello {{ input.name }}' }),
  },
  async run(ctx) {
    return renderText(ctx.config.template, templateScope(ctx.input));
  },
});
