// Enrol a person in DigitalChalk, as an integration does: find them by email (or create them), list the
// offerings open to them, register them in the first, read the registration back.
//
// `node enrol.mjs HOST EMAIL`, the token in DIGITALCHALK_TOKEN. It calls https://HOST/dc/api/v5 with Node's
// own fetch, and trusts what Node trusts: NODE_EXTRA_CA_CERTS adds a CA. Prints each call (method, path,
// status, Location, body) as JSON; exits 1 at the first status the call does not succeed with.

const [host, email] = process.argv.slice(2);
const base = `https://${host}/dc/api/v5`;
const headers = {
  Authorization: `Bearer ${process.env.DIGITALCHALK_TOKEN}`,
  Accept: "application/json",
  "Content-Type": "application/json",
};
const transcript = [];

async function call(method, path, expected, body) {
  const url = new URL(base + path);
  const response = await fetch(url, { method, headers, body: body && JSON.stringify(body) });
  const text = await response.text();
  const location = response.headers.get("location");
  const parsed = text ? JSON.parse(text) : null;
  transcript.push({ method, path: url.pathname, status: response.status, location, body: parsed });
  if (response.status !== expected) {
    throw new Error(`${method} ${url}: ${response.status} ${text}`);
  }
  return { location, body: parsed };
}

// The new id: the last segment of Location, as the vendor's own clients read it.
const created = ({ location }) => location.replace(/\/$/, "").split("/").pop();

async function enrol() {
  const found = await call("GET", `/users?${new URLSearchParams({ email })}`, 200);
  let userId = found.body.results.find((user) => user.email === email)?.id;
  if (userId === undefined) {
    const fields = { firstName: "Ada", lastName: "Lovelace", email, password: "Analytical-1843" };
    userId = created(await call("POST", "/users", 201, fields));
  }
  const offerings = await call("GET", `/offerings?${new URLSearchParams({ userId })}`, 200);
  const registration = { userId, offeringId: offerings.body.results[0].id };
  const registrationId = created(await call("POST", "/registrations", 201, registration));
  await call("GET", `/registrations/${registrationId}`, 200);
}

try {
  await enrol();
} catch (error) {
  // fetch's own error says "fetch failed"; the TLS error is its cause.
  const cause = error.cause ? `: ${error.cause.code} ${error.cause.message}` : "";
  console.error(`enrol: ${error.message}${cause}`);
  process.exitCode = 1;
} finally {
  console.log(JSON.stringify(transcript));
}
