/** Texts of scheduled nudges (agenda, callbacks, birthdays, win-backs, digest). */
export const schedulerEn = {};
