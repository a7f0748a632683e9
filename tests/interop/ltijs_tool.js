#!/usr/bin/env node
// LTI 1.3 tool peer for interop tests: ltijs (npm) with the ltijs-sequelize plugin on SQLite,
// so no database server is needed. ltijs does all the LTI work (login redirect, state cookie,
// id_token validation against the platform JWKS, deep-linking response JWT and form); this
// file wires its callbacks to JSON answers a test can read.
//
//   node ltijs_tool.js [--config tool.json] [--port 0]
//
// prints `listening on http://127.0.0.1:PORT` once ready and serves until SIGTERM. See README.md.
'use strict'

const fs = require('fs')
const os = require('os')
const path = require('path')
const crypto = require('crypto')
const util = require('util')

// stdout carries only the readiness line; ltijs and its plugins log through console.* (e.g. the
// migration runner), so send all of that to stderr.
for (const level of ['log', 'info', 'warn', 'debug']) {
  console[level] = (...a) => process.stderr.write(util.format(...a) + '\n')
}

const modulesDir = process.env.INTEROP_NODE_MODULES || path.join(__dirname, 'node_modules')
const load = (name) => require(path.join(modulesDir, name))
const lti = load('ltijs').Provider
const Database = load('ltijs-sequelize')

function parseArgs (argv) {
  const out = { port: 0, config: null }
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--port') out.port = Number(argv[++i])
    else if (argv[i] === '--config') out.config = argv[++i]
    else if (argv[i] === '--help' || argv[i] === '-h') {
      process.stdout.write('usage: node ltijs_tool.js [--config tool.json] [--port 0]\n')
      process.exit(0)
    } else {
      process.stderr.write(`unknown argument ${argv[i]}\n`)
      process.exit(2)
    }
  }
  return out
}

const LTI_CLAIM = 'https://purl.imsglobal.org/spec/lti/claim/'

async function main () {
  const args = parseArgs(process.argv.slice(2))
  const config = args.config ? JSON.parse(fs.readFileSync(args.config, 'utf8')) : {}
  const launches = []
  let deepLinkItems = config.deep_link_items === undefined ? null : config.deep_link_items
  let baseUrl = ''

  // SQLite in a private temporary file: ltijs-sequelize needs no server for this dialect.
  const dbDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ltijs-peer-'))
  const db = new Database('ltijs', 'ltijs', '', {
    dialect: 'sqlite',
    storage: path.join(dbDir, 'ltijs.sqlite'),
    logging: false
  })

  // ltijs's Dynamic Registration needs the tool's own URL at setup time, so with
  // `"dynamic_registration": true` the port is chosen first.
  let port = args.port
  if (config.dynamic_registration && !port) port = await freePort()
  const options = {
    appRoute: '/launch',
    loginRoute: '/login',
    keysetRoute: '/jwks',
    // plain http on loopback: cookies cannot be Secure/SameSite=None for ltijs here
    cookies: { secure: false, sameSite: '' },
    devMode: false, // keep ltijs's state-cookie check on
    tokenMaxAge: 60
  }
  if (config.dynamic_registration) {
    // ltijs's own DR service answers GET /register?openid_configuration=...&registration_token=...
    options.dynRegRoute = '/register'
    options.dynReg = {
      url: `http://127.0.0.1:${port}`,
      name: 'ltijs peer',
      description: 'ltijs interop peer',
      autoActivate: true
    }
  }
  lti.setup(crypto.randomBytes(32).toString('hex'), { plugin: db }, options)

  const record = (entry) => { launches.push(entry); return entry }

  lti.onConnect(async (token, req, res) => {
    const ctx = res.locals.context || {}
    return res.send(record({
      stage: 'launch',
      accepted: true,
      tool: 'ltijs',
      message_type: ctx.messageType,
      iss: token.iss,
      client_id: token.clientId,
      sub: token.user,
      deployment_id: token.deploymentId,
      target_link_uri: ctx.targetLinkUri,
      roles: ctx.roles,
      context: ctx.context,
      resource_link: ctx.resource,
      custom: ctx.custom
    }))
  })

  lti.onDeepLinking(async (token, req, res) => {
    const ctx = res.locals.context || {}
    const items = deepLinkItems || [{
      type: 'ltiResourceLink',
      url: baseUrl + '/launch?item=ltijs-1',
      title: 'ltijs peer item',
      custom: { peer: 'ltijs' }
    }]
    record({
      stage: 'launch',
      accepted: true,
      tool: 'ltijs',
      message_type: ctx.messageType,
      iss: token.iss,
      client_id: token.clientId,
      sub: token.user,
      deployment_id: token.deploymentId,
      deep_link_items: items
    })
    // ltijs signs the LtiDeepLinkingResponse and renders its auto-submitting form
    const form = await lti.DeepLinking.createDeepLinkingForm(res.locals.token, items, { message: 'ltijs peer items' })
    return res.send('<!DOCTYPE html><html><body>' + form + '</body></html>')
  })

  lti.onInvalidToken(async (req, res) => {
    const err = res.locals.err
    return res.status(401).send(record({
      stage: 'launch',
      accepted: false,
      tool: 'ltijs',
      error: err && err.details ? err.details : (err && err.message) || String(err)
    }))
  })

  lti.app.get('/health', (req, res) => res.send({ ok: true, tool: 'ltijs', base_url: baseUrl }))
  lti.app.get('/_harness/launches', (req, res) => res.send(launches))
  lti.app.post('/_harness/registrations', async (req, res) => {
    try {
      const regs = Array.isArray(req.body) ? req.body : [req.body]
      for (const reg of regs) await register(reg)
      res.send({ ok: true })
    } catch (e) {
      res.status(400).send({ ok: false, error: String(e.message || e) })
    }
  })
  lti.app.post('/_harness/deep-link-items', (req, res) => {
    if (!Array.isArray(req.body)) return res.status(400).send({ ok: false, error: 'body must be a JSON array of content items' })
    deepLinkItems = req.body
    res.send({ ok: true })
  })
  lti.app.delete('/_harness/deep-link-items', (req, res) => {
    deepLinkItems = null
    res.send({ ok: true })
  })
  lti.whitelist('/health', '/_harness/launches', '/_harness/registrations', '/_harness/deep-link-items')

  async function register (reg) {
    for (const k of ['issuer', 'client_id', 'auth_login_url', 'jwks_url']) {
      if (!reg[k]) throw new Error(`registration lacks ${k}`)
    }
    await lti.registerPlatform({
      url: reg.issuer,
      name: reg.name || 'interop platform',
      clientId: reg.client_id,
      authenticationEndpoint: reg.auth_login_url,
      accesstokenEndpoint: reg.auth_token_url || reg.auth_login_url,
      authConfig: { method: 'JWK_SET', key: reg.jwks_url }
    })
  }

  await lti.deploy({ serverless: true, silent: true })
  for (const reg of config.registrations || []) await register(reg)

  const server = lti.app.listen(port, '127.0.0.1', () => {
    baseUrl = `http://127.0.0.1:${server.address().port}`
    process.stdout.write(`listening on ${baseUrl}\n`)
  })
  const stop = async () => {
    server.close()
    try { await lti.close({ silent: true }) } catch (e) {}
    fs.rmSync(dbDir, { recursive: true, force: true })
    process.exit(0)
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
}

function freePort () {
  return new Promise((resolve, reject) => {
    const probe = require('net').createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const p = probe.address().port
      probe.close(() => resolve(p))
    })
  })
}

main().catch((e) => {
  process.stderr.write(`ltijs_tool: ${e && e.stack ? e.stack : e}\n`)
  process.exit(1)
})
