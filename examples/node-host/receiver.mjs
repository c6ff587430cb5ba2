// A council system written in JavaScript receives complaintflow's notices as webhooks and checks
// each signature as the Standard Webhooks specification says, with nothing but node:crypto:
// HMAC-SHA256 over "id.timestamp.body" with the secret's key, base64, sent as "v1,<signature>".
//
//   WEBHOOK_SECRET=whsec_... PORT=8026 node examples/node-host/receiver.mjs
//
// It prints "listening on PORT", then one line per webhook. With EXPECT=N it stops after N notices.

import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer } from "node:http";

const secret = process.env.WEBHOOK_SECRET ?? "";
if (!secret.startsWith("whsec_")) {
  console.error("set WEBHOOK_SECRET to the whsec_... secret that `complaintflow webhooks add` printed");
  process.exit(2);
}
const key = Buffer.from(secret.slice("whsec_".length), "base64");
const expected = Number(process.env.EXPECT ?? 0);
const toleranceSeconds = 5 * 60;
const seen = new Set();

function verified(id, timestamp, body, signatures) {
  if (!id || !timestamp || !signatures) return false;
  if (Math.abs(Date.now() / 1000 - Number(timestamp)) > toleranceSeconds) return false;
  const mine = createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest();
  return signatures.split(" ").some((versioned) => {
    const [version, signature] = versioned.split(",");
    const theirs = Buffer.from(signature ?? "", "base64");
    return version === "v1" && theirs.length === mine.length && timingSafeEqual(theirs, mine);
  });
}

const server = createServer((request, response) => {
  const chunks = [];
  request.on("data", (chunk) => chunks.push(chunk));
  request.on("end", () => {
    const body = Buffer.concat(chunks).toString("utf8");
    const id = request.headers["webhook-id"];
    if (!verified(id, request.headers["webhook-timestamp"], body, request.headers["webhook-signature"])) {
      console.log("refused: the signature does not check");
      response.writeHead(401).end();
      return;
    }
    const notice = JSON.parse(body).data;
    const again = seen.has(id) ? " (again: already handled)" : "";
    console.log(`${notice.kind} ${notice.case_id} ${notice.deadline} due ${notice.letter_facts.deadlines[0]?.due_in_words ?? notice.due}${again}`);
    seen.add(id);
    response.writeHead(200).end();
    if (expected && seen.size >= expected) server.close();
  });
});
server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  console.log(`listening on ${server.address().port}`);
});
