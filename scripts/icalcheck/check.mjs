// Parse iCalendar files with ical.js (the parser of Thunderbird's calendar) and print what
// they say as JSON.
//
// Usage: node check.mjs FILE...   Prints one JSON array, an object per file, in the order
// given; exits 1, naming the file, when a file cannot be parsed. calendar/validate_test.go
// compares the output with what rsvpd put in.
//
// Like a calendar client, it resolves TZIDs only through the VTIMEZONEs the file carries
// (the registry is emptied before each file), so "dtstart" in UTC checks rsvpd's VTIMEZONE.
import { readFileSync } from 'node:fs';
import ICAL from 'ical.js';

function utc(t) {
  if (!t) return null;
  if (t.zone === ICAL.Timezone.localTimezone) return 'floating:' + t.toString();
  return t.toJSDate().toISOString().replace('.000Z', 'Z');
}

function person(prop) {
  if (!prop) return null;
  return {
    email: prop.getFirstValue(),
    cn: prop.getParameter('cn') ?? null,
    partstat: prop.getParameter('partstat') ?? null,
    rsvp: prop.getParameter('rsvp') ?? null,
    role: prop.getParameter('role') ?? null,
  };
}

function read(path) {
  const text = readFileSync(path, 'utf8');
  const jcal = ICAL.parse(text);
  if (!Array.isArray(jcal) || jcal[0] !== 'vcalendar') {
    throw new Error('not exactly one VCALENDAR object');
  }
  const cal = new ICAL.Component(jcal);
  ICAL.TimezoneService.reset();
  for (const vtz of cal.getAllSubcomponents('vtimezone')) {
    ICAL.TimezoneService.register(vtz);
  }
  const events = cal.getAllSubcomponents('vevent');
  const out = { file: path, errors: [], events: events.length, method: cal.getFirstPropertyValue('method') };
  if (events.length === 0) return out;
  const comp = events[0];
  const ev = new ICAL.Event(comp);
  const start = comp.getFirstProperty('dtstart');
  const geo = comp.getFirstPropertyValue('geo');
  Object.assign(out, {
    uid: ev.uid,
    sequence: ev.sequence ?? null,
    dtstamp: utc(comp.getFirstPropertyValue('dtstamp')),
    dtstart: utc(ev.startDate),
    dtend: utc(ev.endDate),
    dtstart_tzid: start ? (start.getParameter('tzid') ?? null) : null,
    dtstart_zone: ev.startDate ? ev.startDate.zone.tzid : null,
    summary: ev.summary ?? null,
    description: ev.description ?? null,
    location: ev.location ?? null,
    status: comp.getFirstPropertyValue('status'),
    geo: geo ?? null,
    organizer: person(comp.getFirstProperty('organizer')),
    attendees: comp.getAllProperties('attendee').map(person),
  });
  return out;
}

const results = [];
for (const path of process.argv.slice(2)) {
  try {
    results.push(read(path));
  } catch (e) {
    console.error(`${path}: ical.js: ${e.message}`);
    process.exit(1);
  }
}
console.log(JSON.stringify(results, null, 1));
