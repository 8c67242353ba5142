#!/usr/bin/python3
"""Parse iCalendar files with python3-icalendar (Debian) and print what they say as JSON.

Usage: check.py FILE...   Prints one JSON array, an object per file, in the order given.
Exits 1, naming the file, when a file cannot be parsed at all; properties the library
could parse only in part are listed under "errors". calendar/validate_test.go compares the
output with what rsvpd put in.

Times are printed in UTC twice: "dtstart" as python-icalendar resolves the TZID (through
pytz, i.e. the tz database) and "dtstart_vtz" through the VTIMEZONE the file itself carries
(to_tz), so a wrong VTIMEZONE rule shows up as a difference between the two.
"""
import json
import sys
from datetime import timezone

import icalendar


def utc(dt):
    if dt is None:
        return None
    if getattr(dt, "tzinfo", None) is None:
        return "floating:" + dt.isoformat()
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def via_vtimezone(prop, zones):
    """Resolve a DATE-TIME property with the file's own VTIMEZONE; None without a TZID."""
    if prop is None:
        return None
    tzid = prop.params.get("TZID")
    if not tzid:
        return None
    if tzid not in zones:
        return "no VTIMEZONE " + tzid
    naive = prop.dt.replace(tzinfo=None)
    return utc(zones[tzid].localize(naive))


def person(prop):
    if prop is None:
        return None
    p = prop.params
    return {
        "email": str(prop),
        "cn": p.get("CN"),
        "partstat": p.get("PARTSTAT"),
        "rsvp": p.get("RSVP"),
        "role": p.get("ROLE"),
    }


def text(comp, name):
    v = comp.get(name)
    return None if v is None else str(v)


def read(path):
    with open(path, "rb") as f:
        cal = icalendar.Calendar.from_ical(f.read())
    errors = []
    for comp in cal.walk():
        errors += ["%s: %s: %s" % (comp.name, name, msg) for name, msg in comp.errors]
    zones = {str(z["TZID"]): z.to_tz() for z in cal.walk("VTIMEZONE")}
    events = cal.walk("VEVENT")
    out = {"file": path, "errors": errors, "events": len(events), "method": text(cal, "METHOD")}
    if not events:
        return out
    ev = events[0]
    attendees = ev.get("ATTENDEE")
    if attendees is not None and not isinstance(attendees, list):
        attendees = [attendees]
    geo = ev.get("GEO")
    out.update({
        "uid": text(ev, "UID"),
        "sequence": int(ev["SEQUENCE"]) if "SEQUENCE" in ev else None,
        "dtstamp": utc(ev["DTSTAMP"].dt) if "DTSTAMP" in ev else None,
        "dtstart": utc(ev["DTSTART"].dt) if "DTSTART" in ev else None,
        "dtend": utc(ev["DTEND"].dt) if "DTEND" in ev else None,
        "dtstart_tzid": ev["DTSTART"].params.get("TZID") if "DTSTART" in ev else None,
        "dtstart_vtz": via_vtimezone(ev.get("DTSTART"), zones),
        "dtend_vtz": via_vtimezone(ev.get("DTEND"), zones),
        "summary": text(ev, "SUMMARY"),
        "description": text(ev, "DESCRIPTION"),
        "location": text(ev, "LOCATION"),
        "status": text(ev, "STATUS"),
        "geo": None if geo is None else [geo.latitude, geo.longitude],
        "organizer": person(ev.get("ORGANIZER")),
        "attendees": [person(a) for a in attendees or []],
    })
    return out


def main(paths):
    results = []
    for path in paths:
        try:
            results.append(read(path))
        except Exception as e:  # any failure to parse is the finding
            print("%s: python-icalendar: %s: %s" % (path, type(e).__name__, e), file=sys.stderr)
            return 1
    json.dump(results, sys.stdout, ensure_ascii=False, indent=1)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
