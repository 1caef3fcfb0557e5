/** English texts of the playground's streamed answer and its stop button. */
export const playgroundStreamEn = {
  'playground.stream.growing': 'Answer so far (still arriving)',
  'playground.stream.partial': 'Answer received before the task ended',
  'playground.stop': 'Stop',
  'playground.stopFailed': 'The task could not be stopped.',
};
