import { formatUsd } from './cost-estimate.js';
import type {
  GalleryGeneration,
  GalleryImage,
  GalleryModel,
  GalleryPhoto,
  GallerySubject,
} from './gallery.js';
import { NO_PHOTOS, summaryRows } from './run-summary.js';

/**
 * The results page, as one static HTML document: no script, no web font, no request beyond its own relative
 * image links (the Content-Security-Policy says so), readable and usable with a keyboard (a skip link, one
 * heading per subject, native links and tables) and every image described in words.
 */
export function renderGallery(model: GalleryModel): string {
  const lastRun = model.runs.at(-1);
  const ids = model.subjects.map((s) => s.subjectId);
  const results = new Map(model.subjects.map((s) => [s.subjectId, s.result]));
  const rows = summaryRows(ids, results);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src 'self'; style-src 'unsafe-inline'">
<title>Avatar pipeline: local results</title>
<style>${STYLE}</style>
</head>
<body>
<a class="skip" href="#main">Skip to the results</a>
<header>
<h1>Avatar pipeline: local results</h1>
<p>Data folder <code>${esc(model.dataDir)}</code>; ${model.runs.length} run${model.runs.length === 1 ? '' : 's'}${lastRun ? `, the last one (run ${lastRun.number}, ${esc(lastRun.command)}) started ${esc(when(lastRun.startedAt))}` : ''}. Page written ${esc(when(model.generatedAt))}.</p>
<p class="notice"><strong>Local mode:</strong> face analysis, moderation, prompt toxicity, training and image generation are <strong>stand-ins</strong>, not AWS services: the avatars below are labelled placeholders, not Stable Diffusion images. Costs are what the same run would cost on AWS.</p>
</header>
<nav aria-label="Subjects">
<h2 id="subjects">Subjects</h2>
<table>
<caption>Every subject, its current image set's outcome and counts</caption>
<thead><tr><th scope="col">Subject</th><th scope="col">Outcome</th><th scope="col">Photos used / excluded</th><th scope="col">Model</th><th scope="col">Prompts ok / rejected</th><th scope="col">Avatars delivered / withheld</th><th scope="col">Estimated AWS cost</th></tr></thead>
<tbody>
${rows.map((row) => `<tr><th scope="row"><a href="#${anchor(row.subjectId)}">${esc(row.subjectId)}</a></th><td>${outcomeBadge(row.outcome)}</td><td>${esc(row.photos)}</td><td class="nowrap">${esc(row.model)}</td><td>${esc(row.prompts)}</td><td>${esc(row.avatars)}</td><td>${esc(row.cost)}</td></tr>`).join('\n')}
</tbody>
</table>
</nav>
<main id="main" tabindex="-1">
${model.subjects.length === 0 ? '<p>No subject yet: run <code>npm start</code> first.</p>' : model.subjects.map(renderSubject).join('\n')}
</main>
</body>
</html>
`;
}

function renderSubject(subject: GallerySubject): string {
  const { set } = subject;
  const earlier = subject.result.imageSets.length - 1;
  return `<section class="subject" id="${anchor(subject.subjectId)}" aria-labelledby="${anchor(subject.subjectId)}-title">
<h2 id="${anchor(subject.subjectId)}-title">${esc(subject.subjectId)} ${outcomeBadge(set ? (set.outcome ?? 'NO OUTCOME') : NO_PHOTOS)}</h2>
${set ? `<p>Image set <code>${esc(set.imageSetId)}</code>: ${set.received.photos.length} photos, sealed by ${esc(set.received.sealedBy)} ${esc(when(set.receivedAt))}${set.run ? ` (run ${set.run.number})` : ''}.${earlier > 0 ? ` ${earlier} earlier image set${earlier > 1 ? 's' : ''} in the timeline.` : ''}</p>` : '<p>No photos of this subject were received.</p>'}
${set ? verdictText(subject) : ''}
${set ? renderPhotos(subject) : ''}
${subject.crops.length ? renderCrops(subject) : ''}
${set?.modelReady || set?.trainingStarted || set?.trainingFailed ? renderModel(subject) : ''}
${subject.generations.map((g, i) => renderGeneration(subject, g, i)).join('\n')}
${subject.result.requestsRejected.length ? renderRequestsRejected(subject) : ''}
${subject.cost ? renderCost(subject) : ''}
${renderTimeline(subject)}
</section>`;
}

function verdictText(subject: GallerySubject): string {
  const set = subject.set;
  if (!set) return '';
  if (set.rejected) {
    return `<div class="verdict bad"><p><strong>Rejected:</strong> ${esc(set.rejected.reason)}</p><p><strong>What to do:</strong> ${esc(set.rejected.advice)}</p></div>`;
  }
  if (set.processingFailed) {
    return `<div class="verdict bad"><p><strong>Processing failed</strong> at ${esc(set.processingFailed.stage)}: ${esc(set.processingFailed.cause)}</p><p><strong>What to do:</strong> ${esc(set.processingFailed.advice)}</p></div>`;
  }
  if (set.trainingFailed) {
    return `<div class="verdict bad"><p><strong>Training failed</strong> at ${esc(set.trainingFailed.stage)}: ${esc(set.trainingFailed.reason)}</p><p><strong>What to do:</strong> ${esc(set.trainingFailed.advice)}</p></div>`;
  }
  return '';
}

function renderPhotos(subject: GallerySubject): string {
  const counts = countBy(subject.photos.map((p) => p.verdict));
  const parts = [
    counts.used ? `${counts.used} used` : '',
    counts.usable ? `${counts.usable} usable` : '',
    counts.excluded ? `${counts.excluded} excluded` : '',
    counts.ignored ? `${counts.ignored} ignored` : '',
  ].filter(Boolean);
  return `<h3>Photos <span class="count">(${esc(parts.join(', '))})</span></h3>
<ul class="grid photos">
${subject.photos.map(renderPhoto).join('\n')}
</ul>`;
}

const VERDICT_WORDS = { used: 'Used', usable: 'Usable', excluded: 'Excluded', ignored: 'Ignored' } as const;

function renderPhoto(photo: GalleryPhoto): string {
  const picture = photo.preview
    ? image(photo.preview)
    : `<div class="no-preview" role="img" aria-label="${esc(`No preview of ${photo.fileName}: ${photo.noPreview ?? ''}`)}">No preview<br><small>${esc(photo.noPreview ?? '')}</small></div>`;
  return `<li class="card ${photo.verdict}">
<figure>${picture}
<figcaption><span class="file">${esc(photo.fileName)}</span> <span class="badge ${photo.verdict}">${VERDICT_WORDS[photo.verdict]}</span>${photo.code ? ` <span class="code">${esc(photo.code)}</span>` : ''}
${photo.verdict === 'excluded' ? `<p class="reason">${esc(photo.reason ?? '')}</p><p class="advice"><strong>What to do:</strong> ${esc(photo.advice ?? '')}</p>` : ''}${photo.verdict === 'ignored' ? `<p class="reason">${esc(photo.reason ?? '')}</p>` : ''}</figcaption>
</figure>
</li>`;
}

function renderCrops(subject: GallerySubject): string {
  const summary = subject.set?.accepted?.trainingSet;
  return `<h3>Training crops <span class="count">(${subject.crops.length}${summary ? `, ${summary.resolution} px, instance prompt "${esc(summary.instancePrompt)}"` : ''})</span></h3>
<ul class="grid crops">
${subject.crops.map((crop) => `<li>${image(crop)}</li>`).join('\n')}
</ul>`;
}

function renderModel(subject: GallerySubject): string {
  const set = subject.set;
  const ready = set?.modelReady;
  const started = set?.trainingStarted;
  const h = started?.hyperparameters;
  const rows: [string, string][] = [];
  if (ready || started) rows.push(['Version', ready?.modelVersion ?? started?.modelVersion ?? '']);
  if (ready) rows.push(['TargetModel', ready.targetModel]);
  if (ready || started) rows.push(['Base model', ready?.baseModel ?? started?.baseModel ?? '']);
  if (started) rows.push(['Trained by', started.trainedBy]);
  if (ready) rows.push(['Served by', ready.servedBy]);
  if (h) {
    rows.push([
      'Hyperparameters',
      `${h.maxTrainSteps} steps, learning rate ${h.learningRate}, LoRA rank ${h.loraRank}${h.trainTextEncoder ? ` / text encoder ${h.textEncoderRank}` : ''}, ${h.resolution} px${h.priorPreservation ? `, prior preservation with ${h.numClassImages} class images` : ''}`,
    ]);
  }
  if (ready) {
    rows.push(['Adapter', `${(ready.adapterBytes / 1024).toFixed(1)} KiB`]);
    rows.push([
      'Timings',
      `training ${ready.trainingSeconds.toFixed(1)} s, warm-up ${ready.warmUpSeconds.toFixed(1)} s`,
    ]);
  }
  if (set?.trainingFailed) rows.push(['Training failed', set.trainingFailed.reason]);
  return `<h3>Model</h3>
<table class="facts"><caption class="visually-hidden">The model of ${esc(subject.subjectId)}</caption>
<tbody>${rows.map(([k, v]) => `<tr><th scope="row">${esc(k)}</th><td>${esc(v)}</td></tr>`).join('')}</tbody></table>`;
}

function renderGeneration(subject: GallerySubject, generation: GalleryGeneration, index: number): string {
  const g = generation.result;
  const ready = g.avatarsReady;
  const title =
    g.requestedBy === 'partner'
      ? `Avatars for a partner request${g.correlationId ? ` (${g.correlationId})` : ''}`
      : 'Avatars';
  const counts = ready?.counts;
  const lines: string[] = [
    `<h3 id="${anchor(subject.subjectId)}-generation-${index + 1}">${esc(title)}${counts ? ` <span class="count">(${counts.imagesDelivered} delivered, ${counts.imagesWithheld} withheld, ${counts.regenerations} regenerated)</span>` : ''}</h3>`,
  ];
  if (g.rejected) {
    lines.push(
      `<div class="verdict bad"><p><strong>Request rejected:</strong> ${esc(g.rejected.errors.map((e) => `${e.path || '(root)'}: ${e.message}`).join('; '))}</p><p><strong>What to do:</strong> ${esc(g.rejected.advice)}</p></div>`,
    );
  }
  if (g.failed) {
    lines.push(
      `<div class="verdict bad"><p><strong>Generation failed:</strong> ${esc(g.failed.reason)}</p><p><strong>What to do:</strong> ${esc(g.failed.advice)}</p></div>`,
    );
  }
  if (!ready && !g.failed && !g.rejected) lines.push('<p>Not finished.</p>');
  lines.push('<ul class="prompts">');
  for (const prompt of generation.prompts) {
    lines.push(`<li class="prompt">
<p><span class="badge used">Passed screening</span> <q>${esc(prompt.prompt)}</q>${prompt.style ? ` <span class="code">style ${esc(prompt.style)}</span>` : ''} <small>(screened by ${esc(ready?.screenedBy ?? '')})</small></p>
${prompt.delivered.length ? `<ul class="grid avatars">${prompt.delivered.map((a) => `<li>${a.image ? image(a.image) : `<div class="no-preview">Avatar not found<br><small>${esc(a.missing ?? '')}</small></div>`}<small>seed ${a.seed}</small></li>`).join('')}</ul>` : ''}
${prompt.withheld.map((w) => `<p class="withheld"><span class="badge excluded">Withheld</span> one image (not shown): ${esc(w.reason)} <small>(last seed ${w.seed}, ${w.attempts} attempt${w.attempts > 1 ? 's' : ''})</small></p>`).join('\n')}
</li>`);
  }
  for (const rejected of g.promptsRejected) {
    lines.push(`<li class="prompt">
<p><span class="badge excluded">Rejected before the GPU</span> <q>${esc(rejected.prompt)}</q> <span class="code">${esc(rejected.rule)}${rejected.label ? `: ${esc(rejected.label)}` : ''}</span></p>
<p class="reason">${esc(rejected.reason)}</p><p class="advice"><strong>What to do:</strong> ${esc(rejected.advice)}</p>
</li>`);
  }
  lines.push('</ul>');
  return lines.join('\n');
}

function renderRequestsRejected(subject: GallerySubject): string {
  return `<h3>Partner requests rejected</h3><ul>${subject.result.requestsRejected
    .map(
      (r) =>
        `<li>${esc(r.errors.map((e) => `${e.path || '(root)'}: ${e.message}`).join('; '))}. <strong>What to do:</strong> ${esc(r.advice)}</li>`,
    )
    .join('')}</ul>`;
}

function renderCost(subject: GallerySubject): string {
  const cost = subject.cost;
  if (!cost) return '';
  return `<h3>Estimated cost on AWS <span class="count">(${formatUsd(cost.totalUsd)})</span></h3>
<table class="facts"><caption class="visually-hidden">What this image set would cost on AWS</caption>
<thead><tr><th scope="col">Item</th><th scope="col">Quantity</th><th scope="col">Estimate</th></tr></thead>
<tbody>${cost.lines.map((l) => `<tr><td>${esc(l.item)}</td><td>${l.quantity}</td><td>${formatUsd(l.usd)}</td></tr>`).join('')}
<tr><th scope="row" colspan="2">Total</th><td>${formatUsd(cost.totalUsd)}</td></tr></tbody></table>`;
}

function renderTimeline(subject: GallerySubject): string {
  return `<h3>Timeline <span class="count">(${subject.timeline.length} events)</span></h3>
<table class="timeline"><caption class="visually-hidden">Every event about ${esc(subject.subjectId)}, oldest first</caption>
<thead><tr><th scope="col">Time</th><th scope="col">Run</th><th scope="col">Event</th><th scope="col">What happened</th></tr></thead>
<tbody>${subject.timeline
    .map(
      (e) =>
        `<tr${e.imageSetId && e.imageSetId !== subject.set?.imageSetId ? ' class="earlier"' : ''}><td>${esc(when(e.time))}</td><td>${e.run ? e.run.number : ''}</td><td>${esc(e.type)}</td><td>${esc(e.summary)}</td></tr>`,
    )
    .join('\n')}</tbody></table>`;
}

function image(img: GalleryImage): string {
  const tag = `<img src="${esc(img.src)}" alt="${esc(img.alt)}">`;
  return img.href ? `<a href="${esc(img.href)}">${tag}</a>` : tag;
}

function outcomeBadge(outcome: string): string {
  const kind = outcome === 'Avatars Ready' ? 'used' : outcome === 'Subject Rejected' ? 'usable' : 'excluded';
  return `<span class="badge ${kind}">${esc(outcome)}</span>`;
}

function anchor(subjectId: string): string {
  return `subject-${subjectId.replace(/[^A-Za-z0-9_-]/g, '_')}`;
}

function when(iso: string): string {
  return iso
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC')
    .replace(/Z$/, ' UTC');
}

function countBy(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}

function esc(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

const STYLE = `
:root { color-scheme: light; --fg: #1b1b1f; --muted: #4a4a55; --line: #d0d0d8; --ok: #0b6b2e; --okbg: #e3f4e8;
  --warn: #7a4b00; --warnbg: #fdf0d5; --bad: #9b1c1c; --badbg: #fde4e4; --focus: #1a4fd6; }
* { box-sizing: border-box; }
body { font: 16px/1.5 system-ui, sans-serif; color: var(--fg); margin: 0 auto; max-width: 1200px; padding: 0 1rem 4rem; }
a { color: #1a4fd6; }
a:focus-visible, main:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
.skip { position: absolute; left: -999px; top: 0; background: #fff; padding: .5rem; }
.skip:focus { left: 1rem; }
.notice { background: var(--warnbg); border-left: 4px solid var(--warn); padding: .5rem .75rem; }
table { border-collapse: collapse; margin: .5rem 0 1rem; width: 100%; }
th, td { border-bottom: 1px solid var(--line); padding: .3rem .5rem; text-align: left; vertical-align: top; }
caption { text-align: left; color: var(--muted); font-size: .9rem; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
.subject { border-top: 3px solid var(--line); margin-top: 2rem; }
.count { color: var(--muted); font-weight: normal; font-size: .9em; }
.grid { list-style: none; padding: 0; display: grid; grid-template-columns: repeat(auto-fill, minmax(190px, 1fr)); gap: .75rem; }
.grid.crops, .grid.avatars { grid-template-columns: repeat(auto-fill, minmax(130px, 1fr)); }
.grid img { width: 100%; height: 170px; object-fit: contain; background: #f3f3f6; display: block; }
.grid.crops img, .grid.avatars img { height: 128px; }
figure { margin: 0; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: .4rem; }
.card.excluded { border-color: var(--bad); }
.card.ignored { opacity: .85; }
.no-preview { height: 170px; display: flex; flex-direction: column; align-items: center; justify-content: center; background: #f3f3f6; color: var(--muted); text-align: center; }
.file { font-family: ui-monospace, monospace; word-break: break-all; }
.badge { display: inline-block; border-radius: 999px; padding: 0 .5rem; font-size: .85rem; font-weight: 600; }
.badge.used { background: var(--okbg); color: var(--ok); }
.badge.usable, .badge.ignored { background: var(--warnbg); color: var(--warn); }
.badge.excluded { background: var(--badbg); color: var(--bad); }
.code { font-family: ui-monospace, monospace; font-size: .85rem; color: var(--muted); }
.reason, .advice { margin: .25rem 0; font-size: .9rem; }
.verdict { padding: .5rem .75rem; border-left: 4px solid var(--bad); background: var(--badbg); }
.prompts { list-style: none; padding: 0; }
.prompt { border-left: 3px solid var(--line); padding-left: .75rem; margin-bottom: 1rem; }
.timeline tr.earlier td { color: var(--muted); }
.facts th { width: 12rem; }
.nowrap, .badge, nav th[scope="row"] { white-space: nowrap; }
`;
