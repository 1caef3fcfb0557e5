/** Saving and reading graph files in the browser. */

/** Offers a Blob to the user as a downloaded file. */
export function downloadBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  // The download has started once click() returns; the URL is no longer needed.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

/** Returns a file name for a graph: its name with unsafe characters replaced, plus `.json`. */
export function graphFileName(name: string): string {
  return `${name.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 80) || 'graph'}.json`;
}
