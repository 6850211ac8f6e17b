/** 满意度: a rating this low or lower gets a follow-up callback, and the team's managers hear of it. */
export const LOW_RATING = 2;
/** A rating this high puts a referral prompt (推荐) on the owner's agenda. */
export const REFERRAL_RATING = 5;
/** After a resolved complaint, the satisfaction check lands on the owner's agenda this many days later. */
export const SATISFACTION_CHECK_DAYS = 7;
/**
 * Complaints and ratings imported or logged at most this long ago are followed up (a ticket, a
 * follow-up callback): older ones are history, not news to act on.
 */
export const CARE_FOLLOW_UP_DAYS = 7;
/** 欢迎计划: a first order this recent gets a welcome callback, on the owner's next agenda (within 3 days). */
export const WELCOME_WINDOW_DAYS = 3;
