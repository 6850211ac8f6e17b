import { IANAZone } from 'luxon';

/** An IANA zone name such as Asia/Shanghai (what settings and preferences accept). */
export function isTimeZone(zone: string): boolean {
  return IANAZone.isValidZone(zone);
}
