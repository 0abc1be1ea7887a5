// What GateControllerMode and EventAction (PROTOCOL §7) mean on our agent. The vendor text names
// the values only by example (`opendoor` default, `alarm`, `avoid`, …), so these are our decisions
// (README "Local admin API"); anything else is refused with 40091 when it is set.

/** GateControllerMode.controller_mode: which recognition events fire the EventAction relays. */
export const GATE_MODES = {
  /** a face matched to a user (the search covers only the users of the capture device's permission groups) */
  opendoor: 'an identity of the capture device’s permission groups is recognised',
  /** a stranger: no user of the device's permission groups reached the threshold (person_type 4) */
  alarm: 'a stranger is seen',
  /** nothing fires */
  avoid: 'never',
} as const;
export type GateMode = keyof typeof GATE_MODES;
export const GATE_MODE_NAMES = Object.keys(GATE_MODES) as GateMode[];

/** EventAction.action[].action_mode: what is done to coil `logic_port` of the relay module. */
export const ACTION_MODES = {
  /** ON, held `action_duration` s, then OFF (a door strike) */
  pulse: 'coil ON, OFF again after action_duration s',
  /** ON and left on (a latched output, e.g. a siren until someone switches it off) */
  on: 'coil ON, left on',
  /** OFF */
  off: 'coil OFF',
  /** reads the coil and writes the opposite */
  toggle: 'coil read and switched to the opposite state',
} as const;
export type ActionMode = keyof typeof ACTION_MODES;
export const ACTION_MODE_NAMES = Object.keys(ACTION_MODES) as ActionMode[];

export const isGateMode = (s: string): s is GateMode => Object.hasOwn(GATE_MODES, s);
export const isActionMode = (s: string): s is ActionMode => Object.hasOwn(ACTION_MODES, s);

/** Does an event of this person_type fire the relays in `mode`? */
export function fires(mode: string, personType: number): boolean {
  if (mode === 'opendoor') return personType !== STRANGER;
  if (mode === 'alarm') return personType === STRANGER;
  return false;
}

const STRANGER = 4;
