/** English texts that name who published a graph version. */
export const publisherEn = {
  'versions.publishedBy': 'published {date} by {user}',
} as const;
