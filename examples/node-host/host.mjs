// A council system written in JavaScript records a children's complaint through its stages and reads
// the daily list, over complaintflow's HTTP service, with nothing but fetch (Node.js 18 or later).
//
//   COMPLAINTFLOW_URL=http://127.0.0.1:8000 COMPLAINTFLOW_TOKEN=cf_... node examples/node-host/host.mjs

const base = process.env.COMPLAINTFLOW_URL ?? "http://127.0.0.1:8000";
const token = process.env.COMPLAINTFLOW_TOKEN;
if (!token) {
  console.error("set COMPLAINTFLOW_TOKEN to a write token (complaintflow tokens create NAME --scope write)");
  process.exit(2);
}
const headers = { Authorization: `Bearer ${token}`, "Content-Type": "application/json" };
const caseId = `NODE-${Date.now()}`;

async function record(event, version) {
  const url = `${base}/cases/${encodeURIComponent(caseId)}/events?as_of=${event.on}`;
  const response = await fetch(url, {
    method: "POST",
    headers: { ...headers, "If-Match": String(version) },
    body: JSON.stringify({ case_id: caseId, ...event }),
  });
  const answer = await response.json();
  if (!response.ok) {
    throw new Error(`${response.status} ${answer.kind}: ${answer.detail}`);
  }
  console.log(`${event.type} on ${event.on}: version ${answer.version}, now ${answer.case.state}`);
  return answer;
}

const steps = [
  { type: "ComplaintReceived", on: "2024-04-02", procedure: "children-2006", service_area: "Fostering" },
  { type: "Responded", on: "2024-04-12", stage: 1, outcome: "not_upheld" },
  { type: "EscalationRequested", on: "2024-04-15", to_stage: 2 },
  { type: "InvestigatorsAppointed", on: "2024-04-17", investigating_officer: "IO-7", independent_person: "IP-3" },
];
let answer;
for (const [version, step] of steps.entries()) {
  answer = await record(step, version);
}
const stage2 = answer.case.deadlines.find((deadline) => deadline.name === "stage2_response");
console.log(`stage 2 response due ${stage2.due} (${stage2.source})`);

// An officer who had not reloaded the case is told so, with a problem document.
try {
  await record({ type: "Withdrawn", on: "2024-04-18" }, 1);
} catch (error) {
  console.log(`refused as expected: ${error.message}`);
}

const due = await fetch(`${base}/due?within=30&as_of=2024-04-18`, { headers });
const list = await due.json();
const ours = list.filter((reminder) => reminder.case_id === caseId);
for (const reminder of ours) {
  console.log(`daily list: ${reminder.due} ${reminder.deadline} (${reminder.remaining_working_days} working days left)`);
}
if (ours.length === 0) {
  throw new Error("the daily list should hold the stage 2 response");
}
