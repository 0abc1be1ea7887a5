// PROTOCOL.md §8: error envelope and status codes, shared by the agent and the platform.

export const Codes = {
  SUCCESS: 0,
  MQ_PARAM_ERROR: 40071,
  SERVER_PROCESS_FAILED: 50072,
  REMOTE_SERVER_FAILED: 50073,
  REMOTE_DATA_FAILED: 50074,
  PARAM_ERROR: 40091,
  NOT_FOUND: 40491,
  CONTENT_TYPE_ERROR: 41591,
  BAD_REQUEST: 40000,
  UNSUPPORT_CONTENT_TYPE: 40001,
  EMPTY_REQUEST_JSON: 40002,
  IMAGE_ERROR: 40003,
  NO_FACE: 40004,
  BOOLEAN_ARGUMENT_ERROR: 40005,
  LOW_QUALITY_ERROR: 40006,
  IMAGE_SIZE_TOO_LARGE_ERROR: 40007,
  EMPTY_GROUP_ERROR: 40008,
  ENROLL_FACE_SIZE_NOT_ENOUGH_ERROR: 40009,
  BAD_FEATURE_ERROR: 40010,
  IDENTITY_EXSIT_ERROR: 40011,
  GROUP_NAME_ERROR: 40012,
  GROUP_NOT_LOAD: 40013,
  STRANGER_NOT_DELETE: 40014,
  GROUP_LEN_ERROR: 40015,
  USER_NOT_ENROLLED: 40094,
  USER_NOT_DELETED: 40095,
  HTTP_NOT_FOUND: 40400,
  ID_NOT_FOUND: 40401,
  PAYLOAD_TOO_LARGE: 41300,
  NOT_IMPLEMENTED: 50100,
} as const;

export type Code = (typeof Codes)[keyof typeof Codes];

/** The `status` string the vendor puts next to each code (§8 "name" column). */
export const statusName: Record<number, string> = {
  0: 'SUCCESS',
  40071: 'PARAM_ERROR',
  50072: 'SERVER_PROCESS_FAILED',
  50073: 'REMOTE_SERVER_FAILED',
  50074: 'REMOTE_DATA_FAILED',
  40091: 'PARAM_ERROR',
  40491: 'NOT_FOUND',
  41591: 'CONTENT_TYPE_ERROR',
  40000: 'BAD_REQUEST',
  40001: 'UNSUPPORT_CONTENT_TYPE',
  40002: 'EMPTY_REQUEST_JSON',
  40003: 'IMAGE_ERROR',
  40004: 'NO_FACE',
  40005: 'BOOLEAN_ARGUMENT_ERROR',
  40006: 'LOW_QUALITY_ERROR',
  40007: 'IMAGE_SIZE_TOO_LARGE_ERROR',
  40008: 'EMPTY_GROUP_ERROR',
  40009: 'ENROLL_FACE_SIZE_NOT_ENOUGH_ERROR',
  40010: 'BAD_FEATURE_ERROR',
  40011: 'IDENTITY_EXSIT_ERROR',
  40012: 'GROUP_NAME_ERROR',
  40013: 'GROUP_NOT_LOAD',
  40014: 'STRANGER_NOT_DELETE',
  40015: 'GROUP_LEN_ERROR',
  40094: 'USER_NOT_ENROLLED',
  40095: 'USER_NOT_DELETED',
  40400: 'NOT_FOUND',
  40401: 'ID_NOT_FOUND',
  41300: 'PAYLOAD_TOO_LARGE',
  50100: 'NOT_IMPLEMENTED',
};

export interface ErrorEnvelope {
  error: { code: number; message: string; status: string };
}

export function errorEnvelope(code: number, message: string): ErrorEnvelope {
  return { error: { code, message, status: statusName[code] ?? 'ERROR' } };
}

/** An error that carries a §8 code; thrown by services, turned into envelopes at the edge. */
export class ProtocolError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly httpStatus = 400,
  ) {
    super(message);
    this.name = 'ProtocolError';
  }
}
