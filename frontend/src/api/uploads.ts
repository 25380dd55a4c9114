/** Stored files (photos) as the API lists them, and how to fetch one with the session's token. */
import { session } from "./session";

export interface FileRead {
  id: number;
  filename: string;
  media_type: string;
  size_bytes: number;
  width: number | null;
  height: number | null;
  url: string; // absolute path, /api/v1/...
  created_by: number | null;
  created_at: string;
}

/** The photo's bytes as an object URL for an <img> (photos need the bearer token, so a plain
 * `src` cannot load them). The caller revokes it. */
export async function photoObjectUrl(url: string): Promise<string> {
  const response = await fetch(url, { headers: session.token ? { Authorization: `Bearer ${session.token}` } : {} });
  if (!response.ok) throw new Error(`${response.status}`);
  return URL.createObjectURL(await response.blob());
}

export const PHOTO_ACCEPT = "image/jpeg,image/png,image/webp";
export const MAX_FEEDBACK_PHOTOS = 6;
