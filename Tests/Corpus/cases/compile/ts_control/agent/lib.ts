export const greeting = "hello from the corpus";
