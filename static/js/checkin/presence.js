// Who is inside: the offline scanner's copy of the rule in maruf_reg/checkin/presence.py (the
// class `Presence` there; tests/checkin/test_presence.py feeds both the same scans).
// Scans are applied in the order they happened. An admission puts a person inside; the earliest
// admission after the latest exit is the one that counts. An exit puts them outside. Any other
// outcome moves nobody.
export class Presence {
  constructor(inside = []) {
    this.inside = new Map([...inside].map((id) => [id, null]));
  }

  // Apply the next scan; returns the change in the number of people inside (+1, 0, -1).
  apply(id, outcome, scan = null) {
    if (outcome === "exited") return this.inside.delete(id) ? -1 : 0;
    if (outcome === "admitted" && !this.inside.has(id)) {
      this.inside.set(id, scan);
      return 1;
    }
    return 0;
  }

  has(id) {
    return this.inside.has(id);
  }

  // The admission that makes the person inside (null when the bundle said so without a scan).
  admission(id) {
    return this.inside.has(id) ? this.inside.get(id) : null;
  }
}
