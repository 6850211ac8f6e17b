import type { ButtonMaker } from '../commands/buttons.js';
import type { Locale, Translate } from '../i18n/index.js';
import type { ReaderRow } from './nudge-data.js';

/** Who a nudge is drawn for, with their translator and zone. */
export interface Reader extends ReaderRow {
  t: Translate;
  locale: Locale;
  zone: string;
  /** Buttons on this message carry its nudge, so pressing one redraws the message. */
  button: ButtonMaker;
}
