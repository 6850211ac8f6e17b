import i18next, { type TFunction } from 'i18next';
import { en } from './locales/en.js';
import { zhCN } from './locales/zh-CN.js';

export const LOCALES = ['en', 'zh-CN'] as const;
export type Locale = (typeof LOCALES)[number];

export const catalogues: Record<Locale, typeof en> = { en, 'zh-CN': zhCN };

const instance = i18next.createInstance();
await instance.init({
  resources: { en: { translation: en }, 'zh-CN': { translation: zhCN } },
  lng: 'en',
  fallbackLng: false,
  initAsync: false,
  // `help`: how /help is typed; the dispatcher passes the asker's platform's form (Slack: /rapport help).
  interpolation: { escapeValue: false, defaultVariables: { help: '/help' } },
  returnNull: false,
  // i18next otherwise prints an advert to stdout, which would land in piped console answers.
  showSupportNotice: false,
});

export type Translate = TFunction;

export function isLocale(value: string | null | undefined): value is Locale {
  return (LOCALES as readonly string[]).includes(value ?? '');
}

/** A translator fixed to one locale. A missing key shows the key itself, which a test forbids. */
export function translator(locale: Locale): Translate {
  return instance.getFixedT(locale);
}

/**
 * Intl formatters are costly to build (tens of microseconds, more than formatting) and there
 * are few distinct ones (locales × currencies × zones), so each is built once and kept.
 */
const formatters = new Map<string, Intl.NumberFormat | Intl.DateTimeFormat>();
function numberFormat(locale: Locale, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = `n:${locale}:${JSON.stringify(options)}`;
  let format = formatters.get(key) as Intl.NumberFormat | undefined;
  if (!format) formatters.set(key, (format = new Intl.NumberFormat(locale, options)));
  return format;
}
function dateTimeFormat(locale: Locale, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `d:${locale}:${JSON.stringify(options)}`;
  let format = formatters.get(key) as Intl.DateTimeFormat | undefined;
  if (!format) formatters.set(key, (format = new Intl.DateTimeFormat(locale, options)));
  return format;
}

/** Money in integer minor units, formatted per locale (¥1,234.50 / CN¥1,234.50). */
export function formatMoney(minor: number, locale: Locale, currency: string): string {
  return numberFormat(locale, { style: 'currency', currency }).format(minor / 100);
}

export function formatNumber(value: number, locale: Locale, maximumFractionDigits = 0): string {
  return numberFormat(locale, { maximumFractionDigits }).format(value);
}

export function formatPercent(fraction: number, locale: Locale): string {
  return numberFormat(locale, { style: 'percent', maximumFractionDigits: 0 }).format(fraction);
}

/** A calendar date in the reader's time zone: 2026-11-23 reads "Nov 23, 2026" / "2026年11月23日". */
export function formatDate(at: Date, locale: Locale, timeZone: string): string {
  return dateTimeFormat(locale, { dateStyle: 'medium', timeZone }).format(at);
}

export function formatDateTime(at: Date, locale: Locale, timeZone: string): string {
  return dateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(at);
}
