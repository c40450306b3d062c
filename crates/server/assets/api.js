// The JSON API, with the token from localStorage as `Authorization: Bearer`.
import { t } from "./i18n.js";

const KEY = "sopflow.token";

/** The stored token, or "". */
export function token() { return localStorage.getItem(KEY) ?? ""; }

/** Stores (or, with "", forgets) the token. */
export function setToken(value) {
  if (value) localStorage.setItem(KEY, value); else localStorage.removeItem(KEY);
}

/** An API failure, with words a person can read. */
export class ApiError extends Error {
  constructor(status, kind, message) {
    super(message);
    this.status = status;
    this.kind = kind;
  }
}

/** Fetches `path` and answers its JSON (or text for non-JSON answers); throws ApiError. */
export async function api(path, { method = "GET", body, accept } = {}) {
  const headers = {};
  const tok = token();
  if (tok) headers.Authorization = `Bearer ${tok}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (accept) headers.Accept = accept;
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) {
    throw new ApiError(0, "network", t("error.network", e.message));
  }
  const type = response.headers.get("Content-Type") ?? "";
  const payload = type.includes("json") ? await response.json().catch(() => null) : await response.text();
  if (!response.ok) {
    const kind = payload?.error ?? "http";
    let message = payload?.message ?? (typeof payload === "string" && payload.trim() ? payload.trim() : response.statusText);
    if (response.status === 401) message = `${t("error.unauthorized")} (${message})`;
    if (response.status === 403) message = `${t("error.forbidden")} ${message}`;
    throw new ApiError(response.status, kind, t("error.http", response.status, message));
  }
  return payload;
}

/** The rows of a list answer, whatever the envelope (`items`, `instances`, a bare array, …). */
export function rows(answer, ...names) {
  if (Array.isArray(answer)) return answer;
  for (const name of [...names, "items", "instances", "processes", "versions", "events", "data"]) {
    if (Array.isArray(answer?.[name])) return answer[name];
  }
  return [];
}

/** The cursor of the next page of a list answer, if any. */
export function nextCursor(answer) {
  return answer?.next_cursor ?? answer?.next ?? null;
}

/** A fresh command id: the page's commands are safe to retry. */
export function commandId() {
  const random = crypto.getRandomValues(new Uint32Array(2));
  return `page-${Date.now().toString(36)}-${random[0].toString(36)}${random[1].toString(36)}`;
}
