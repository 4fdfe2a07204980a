/**
 * Phone parsing throughput: `parsePhone` (what the import ships) beside the plain library call
 * it must match (`parsePhoneNumberFromString` + `isValid()`), on generated cells in mixed
 * national and international formats (bench/generate-phones.ts). Also counts how many results
 * differ, which must be 0.
 *
 *   node bin/run-ts.js bench/parse-phone.ts [--phones 200000] [--runs 3]
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { parsePhone, type ParsedPhone } from '../src/core/transform/parse-phone.ts';
import { phoneCases, type PhoneCase } from './generate-phones.ts';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const n = arg('--phones', 200_000);
const runs = arg('--runs', 3);

/** The reference: the library used the plain way, as parse-phone.ts did before. */
function plain(text: string, country: PhoneCase['country']): ParsedPhone | null {
  const input = text.startsWith('00') ? `+${text.slice(2)}` : text;
  const parsed = parsePhoneNumberFromString(input, { defaultCountry: country, extract: false });
  return parsed?.isValid() ? { e164: parsed.number, extension: parsed.ext ?? null } : null;
}

const cases = phoneCases(n);

function measure(name: string, fn: typeof plain): (ParsedPhone | null)[] {
  let out: (ParsedPhone | null)[] = [];
  const rates: number[] = [];
  for (let run = 0; run < runs; run++) {
    out = new Array(cases.length);
    const t0 = performance.now();
    for (let i = 0; i < cases.length; i++) out[i] = fn(cases[i]!.text, cases[i]!.country);
    rates.push(Math.round(cases.length / ((performance.now() - t0) / 1000)));
  }
  const valid = out.filter((p) => p !== null).length;
  console.log(JSON.stringify({ name, phones: n, valid, phonesPerSecond: rates }));
  return out;
}

const reference = measure('libphonenumber-js plain', plain);
const shipped = measure('parsePhone', parsePhone);
let differences = 0;
for (let i = 0; i < cases.length; i++) {
  const a = reference[i];
  const b = shipped[i];
  if (a?.e164 !== b?.e164 || a?.extension !== b?.extension) {
    if (differences++ < 10) console.log('DIFFERS', JSON.stringify(cases[i]), a, b);
  }
}
console.log(JSON.stringify({ differences }));
if (differences > 0) process.exitCode = 1;
