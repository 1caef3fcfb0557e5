/** English texts of the run view's live text and artifact previews. */
export const runViewEn = {
  'run.artifacts': 'Artifacts',
  'run.download': 'Download',
  'run.streaming': 'Model output (streaming)',
  'run.streamed': 'Model output (streamed)',
  'run.statusList': 'Nodes of the run',
};
