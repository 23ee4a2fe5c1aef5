// Tally's dashboard: look a record up, chart a field's calendar analytics.
//
// Amounts arrive as decimal strings and are shown as those strings, never through a float: a
// balance of 9007199254740993.25 must read exactly so. Only the chart converts them to numbers,
// because a canvas plots numbers; its tooltips and the table below it show the exact strings.
"use strict";

const element = (id) => document.getElementById(id);

// The record last shown, so a chart can be narrowed to it.
let shownRecord = null;
let chart = null;

element("lookup-form").addEventListener("submit", (event) => {
  event.preventDefault();
  lookUp();
});
element("chart-form").addEventListener("submit", (event) => {
  event.preventDefault();
  draw();
});

async function lookUp() {
  const resource = element("resource").value.trim();
  const id = element("record-id").value.trim();
  const button = element("lookup");
  button.disabled = true;
  try {
    const record = await api(`/v1/${encodeURIComponent(resource)}/${encodeURIComponent(id)}`);
    showRecord(record);
    clearError();
  } catch (error) {
    hideRecord();
    showError(`Look-up of ${resource}/${id}: ${error.message}`);
  } finally {
    button.disabled = false;
  }
}

async function draw() {
  const resource = element("resource").value.trim();
  const field = element("field").value.trim();
  const period = element("period").value;
  const last = element("last").value.trim();
  const onlyRecord = element("only-record").checked && shownRecord !== null;
  const query = new URLSearchParams({ period, last });
  if (onlyRecord) {
    query.set("id", shownRecord.id);
  }
  const button = element("draw");
  button.disabled = true;
  forgetChart();
  try {
    const analytics = await api(`/v1/analytics/${encodeURIComponent(resource)}/${encodeURIComponent(field)}?${query}`);
    showChart(analytics);
    clearError();
  } catch (error) {
    showError(`Analytics of ${resource}.${field}: ${error.message}`);
  } finally {
    button.disabled = false;
  }
}

/** GETs a path of the API; a 4xx/5xx or an unreachable server becomes an Error with a readable message. */
async function api(path) {
  let response;
  try {
    response = await fetch(path, { headers: { Accept: "application/json" } });
  } catch (error) {
    throw new Error(`Tally did not answer (${error.message})`);
  }
  const text = await response.text();
  // JSON.parse is safe here: every amount is a string, so no number passes through a float.
  let body = null;
  try {
    body = text === "" ? null : JSON.parse(text);
  } catch (ignored) {
    body = null;
  }
  if (!response.ok) {
    const reason = body && body.error
        ? `${body.error}: ${body.message}`
        : (text.trim().slice(0, 200) || response.statusText || "no message");
    const retry = response.headers.get("Retry-After");
    throw new Error(`${response.status} ${reason}${retry ? ` (retry after ${retry} s)` : ""}`);
  }
  if (body === null) {
    throw new Error(`${response.status}: the answer is not JSON`);
  }
  return body;
}

function showRecord(record) {
  shownRecord = { resource: record.resource, id: record.id };
  const panel = element("record");
  panel.replaceChildren();

  const title = document.createElement("h3");
  title.textContent = `${record.resource}/${record.id}`;
  panel.append(title);

  const fields = document.createElement("table");
  fields.className = "fields";
  for (const [name, value] of Object.entries(record.fields || {})) {
    const row = fields.insertRow();
    const label = document.createElement("th");
    label.scope = "row";
    label.textContent = name;
    row.append(label);
    const amount = row.insertCell();
    amount.className = "amount";
    amount.dataset.field = name;
    amount.textContent = String(value);
  }
  panel.append(fields);

  const facts = document.createElement("dl");
  for (const [name, value] of [["created", record.created], ["modified", record.modified],
      ["changes", record.changes], ["version", record.version]]) {
    const term = document.createElement("dt");
    term.textContent = name;
    const detail = document.createElement("dd");
    detail.id = `record-${name}`;
    detail.textContent = value === undefined || value === null ? "—" : String(value);
    facts.append(term, detail);
  }
  panel.append(facts);
  panel.hidden = false;

  const only = element("only-record");
  only.disabled = false;
  only.checked = true;
  element("scope-id").textContent = record.id;
}

function hideRecord() {
  shownRecord = null;
  element("record").hidden = true;
  element("record").replaceChildren();
  const only = element("only-record");
  only.checked = false;
  only.disabled = true;
  element("scope-id").textContent = "(none looked up)";
}

function showChart(analytics) {
  const rows = analytics.rows || [];
  const canvas = element("chart");
  const scope = analytics.id ? `record ${analytics.id}` : "all records";
  element("chart-title").textContent = `${analytics.resource}.${analytics.field}: change per ${analytics.period}, `
      + `last ${rows.length}, ${scope} (${analytics.zone})`;
  chart = new Chart(canvas, {
    data: {
      labels: rows.map((row) => row.bucket),
      datasets: [
        // Number() for plotting only; the tooltip below shows the exact string.
        { type: "bar", label: "sum", data: rows.map((row) => Number(row.sum)), yAxisID: "sum",
          backgroundColor: "rgba(37, 99, 235, 0.6)" },
        { type: "line", label: "count", data: rows.map((row) => row.count), yAxisID: "count",
          borderColor: "rgb(234, 88, 12)", backgroundColor: "rgb(234, 88, 12)", tension: 0 },
      ],
    },
    options: {
      maintainAspectRatio: false,
      animation: false,
      interaction: { mode: "index", intersect: false },
      scales: {
        sum: { type: "linear", position: "left", title: { display: true, text: "sum" } },
        count: { type: "linear", position: "right", beginAtZero: true, grid: { drawOnChartArea: false },
          title: { display: true, text: "count" }, ticks: { precision: 0 } },
      },
      plugins: {
        tooltip: {
          callbacks: {
            label: (item) => item.dataset.label === "sum"
                ? `sum: ${rows[item.dataIndex].sum}`
                : `count: ${rows[item.dataIndex].count}`,
          },
        },
      },
    },
    plugins: [{
      // Tells a reader (and the browser test) how many buckets the canvas shows, once drawn.
      id: "tally-points",
      afterRender: (drawn) => {
        drawn.canvas.dataset.points = String(drawn.data.labels.length);
      },
    }],
  });
  showRows(rows);
}

function showRows(rows) {
  const body = element("rows").tBodies[0];
  body.replaceChildren();
  for (const row of rows) {
    const line = body.insertRow();
    line.insertCell().textContent = row.bucket;
    for (const name of ["count", "sum", "min", "max"]) {
      const cell = line.insertCell();
      cell.className = name;
      cell.textContent = row[name] === undefined || row[name] === null ? "—" : String(row[name]);
    }
  }
  element("rows-details").hidden = false;
}

/** Drops the drawn chart, so a stale one is never read as the answer to a new question. */
function forgetChart() {
  if (chart !== null) {
    chart.destroy();
    chart = null;
  }
  delete element("chart").dataset.points;
  element("chart-title").textContent = "";
  element("rows").tBodies[0].replaceChildren();
  element("rows-details").hidden = true;
}

function showError(message) {
  const error = element("error");
  error.textContent = message;
  error.hidden = false;
}

function clearError() {
  const error = element("error");
  error.textContent = "";
  error.hidden = true;
}
