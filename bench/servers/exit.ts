/** An empty module. The start-up benchmark times `node --import tsx` loading it and exiting. */
export {};
