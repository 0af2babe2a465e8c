// The github-script stand-in (see README.md here): runs the workflow's script as
// actions/github-script would (an async function of require, github, context), against a fake
// GitHub API whose comments and issues persist in the JSON file ZEROETL_ACT_GITHUB.
const fs = require('fs');
const store = process.env.ZEROETL_ACT_GITHUB;
const db = fs.existsSync(store) ? JSON.parse(fs.readFileSync(store, 'utf8')) : {comments: [], issues: [], calls: []};
const save = () => fs.writeFileSync(store, JSON.stringify(db, null, 1));
const event = JSON.parse(fs.readFileSync(process.env.GITHUB_EVENT_PATH, 'utf8'));
const [owner, repo] = (process.env.GITHUB_REPOSITORY || 'owner/repo').split('/');
const context = {
  repo: {owner, repo},
  issue: {owner, repo, number: (event.pull_request || {}).number || event.number},
  sha: process.env.GITHUB_SHA,
  runId: process.env.GITHUB_RUN_ID || '1',
  serverUrl: 'https://github.com',
  eventName: process.env.GITHUB_EVENT_NAME,
  payload: event,
};
let next = db.comments.length + db.issues.length + 1;
const call = (name, params) => db.calls.push({name, params});
const github = {
  paginate: async (method, params) => method(params, true),
  rest: {
    issues: {
      listComments: async ({issue_number}) => db.comments.filter(c => c.issue_number === issue_number),
      createComment: async ({issue_number, body}) => { call('createComment', {issue_number}); db.comments.push({id: next++, issue_number, body}); },
      updateComment: async ({comment_id, body}) => { call('updateComment', {comment_id}); db.comments.find(c => c.id === comment_id).body = body; },
      listForRepo: async ({state, labels}) => db.issues.filter(i => i.state === state && (!labels || labels.split(',').every(l => i.labels.includes(l)))),
      create: async ({title, body, labels}) => { call('create', {title}); db.issues.push({number: next++, title, body, labels: labels || [], state: 'open'}); },
      update: async ({issue_number, body, state}) => { call('update', {issue_number, state}); const issue = db.issues.find(i => i.number === issue_number); if (body !== undefined) issue.body = body; if (state !== undefined) issue.state = state; },
    },
  },
};
const AsyncFunction = Object.getPrototypeOf(async function () {}).constructor;
new AsyncFunction('require', 'github', 'context', process.env.SCRIPT)(require, github, context)
  .then(save)
  .catch(error => { save(); console.error(error); process.exit(1); });
