// A session door's rules of time and room: the offline scanner's copy of
// maruf_reg/checkin/door_rules.py (tests/checkin/test_door_rules.py feeds both the same cases).
// The bundle carries them: `window` {opens_at, closes_at, starts_at, ends_at} (ISO times) or null,
// `room` {capacity, policy: "refuse"|"warn"} or null (only doors that count exits).

// "not_now" outside the door's window; null when the time is right (or the door has none).
export function windowOutcome(window, at) {
  if (!window) return null;
  const moment = Date.parse(at);
  if (Date.parse(window.opens_at) <= moment && moment < Date.parse(window.closes_at)) return null;
  return "not_now";
}

// What a full room answers: ["room_full", "room_full"] (refused) or ["admitted", "room_full"]
// (admitted with a warning); null when the room is not full.
export function roomOutcome(room, inside) {
  if (!room || inside < room.capacity) return null;
  if (room.policy === "warn") return ["admitted", "room_full"];
  return ["room_full", "room_full"];
}
