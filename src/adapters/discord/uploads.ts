import type { AttachmentPayload } from './interaction-schema.js';

const DOWNLOAD_TIMEOUT_MS = 60_000;

export type Download =
  | { ok: true; bytes: Uint8Array; contentType: string | undefined }
  | { ok: false; reason: 'too-large'; size: number }
  | { ok: false; reason: 'failed'; detail: string };

/**
 * Downloads an attachment from Discord's CDN, refusing it once it passes `limit` bytes (by the
 * size Discord declared, the Content-Length, or what actually arrives).
 */
export async function downloadAttachment(attachment: AttachmentPayload, limit: number): Promise<Download> {
  if (attachment.size > limit) return { ok: false, reason: 'too-large', size: attachment.size };
  if (!/^https?:\/\//.test(attachment.url)) return { ok: false, reason: 'failed', detail: 'not an http(s) URL' };
  let response: Response;
  try {
    response = await fetch(attachment.url, { signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS) });
  } catch (error) {
    return { ok: false, reason: 'failed', detail: error instanceof Error ? error.message : String(error) };
  }
  if (!response.ok || !response.body) return { ok: false, reason: 'failed', detail: `HTTP ${response.status}` };
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (declared > limit) {
    await response.body.cancel();
    return { ok: false, reason: 'too-large', size: declared };
  }
  const chunks: Uint8Array[] = [];
  let received = 0;
  for await (const chunk of response.body) {
    received += chunk.length;
    // Leaving the loop cancels the stream: the rest is never downloaded.
    if (received > limit) return { ok: false, reason: 'too-large', size: received };
    chunks.push(chunk);
  }
  return { ok: true, bytes: Buffer.concat(chunks), contentType: response.headers.get('content-type') ?? attachment.content_type };
}

/** A size as people read it: 31.2 MB. */
export function formatSize(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.ceil(bytes / 1024)} KB`;
}
