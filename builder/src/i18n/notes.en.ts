/** English texts of the canvas's sticky notes. */
export const notesEn = {
  'notes.add': 'Add note',
  'notes.text': 'Note text',
  'notes.placeholder': 'Write a note…',
  'notes.delete': 'Delete note',
  'notes.color': 'Note colour: {color}',
  'notes.color.yellow': 'yellow',
  'notes.color.blue': 'blue',
  'notes.color.green': 'green',
  'notes.color.pink': 'pink',
  'notes.color.purple': 'purple',
} as const;
