// The security headers of the operator console (console/, built into dist/console/): one list, sent
// by both of its hosts, the local server (`npm start`) and CloudFront in AWS (cdk/console-site.ts,
// whose response headers policy is built from these values and tested against this record).
// Plain values with no imports, so that local/ and cdk/ may both read them.

/**
 * Scripts from the console's own origin only (Vite emits no inline script); inline styles allowed,
 * because Cloudscape sets style attributes; API calls to the same origin (/v1/*); never framed.
 */
export const CONSOLE_CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Two years, the preload list's expectation. */
export const CONSOLE_HSTS_MAX_AGE_SECONDS = 63_072_000;

/** The browser features the console never uses, turned off for it and anything it could load. */
export const CONSOLE_PERMISSIONS_POLICY =
  'accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=()';

/** Every security header of the console's responses, by name, as sent. */
export const CONSOLE_SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Content-Security-Policy': CONSOLE_CONTENT_SECURITY_POLICY,
  'Strict-Transport-Security': `max-age=${CONSOLE_HSTS_MAX_AGE_SECONDS}; includeSubDomains; preload`,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Permissions-Policy': CONSOLE_PERMISSIONS_POLICY,
});
