// Live statistics for the dashboard as server-sent events. The stream is authenticated by a cookie that an
// operator or kiosk obtains with its bearer key (an EventSource cannot send headers); see stream-ticket.ts.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { ServerResponse } from 'node:http'
import { AppError } from '../errors.ts'
import { BearerSecurity, errorResponses } from '../schemas/common.ts'
import { StreamQuery, StreamSessionResponse } from '../schemas/stats-stream.ts'
import { perMinute } from '../stats/per-minute.ts'
import { statsReport, type StatsWindow } from '../stats/stats-report.ts'
import {
  STREAM_COOKIE,
  STREAM_TICKET_LIFETIME_SEC,
  cookieValue,
  issueTicket,
  ticketKeyFrom,
  verifyTicket,
} from '../stats/stream-ticket.ts'

export interface StatsStreamOptions {
  /** Full report at least this often, even without new events (other instances, the per-minute clock). */
  periodMs?: number
  /** Coalesces bursts of ingest into one push. */
  debounceMs?: number
  maxStreams?: number
}

const STREAM_PATH = '/v1/stats/stream'
const MINUTES_SHOWN = 30

export const statsStreamRoutes: FastifyPluginAsyncTypebox<StatsStreamOptions> = async (app, options) => {
  const periodMs = options.periodMs ?? 5_000
  const debounceMs = options.debounceMs ?? 250
  const maxStreams = options.maxStreams ?? 50
  // Derived from the template key, so that every instance of one deployment accepts the others' tickets.
  const key = ticketKeyFrom(app.config.templateKey)
  const open = new Set<() => void>()
  app.addHook('preClose', async () => {
    for (const close of [...open]) close()
  })

  app.post(
    '/v1/stats/stream-session',
    {
      onRequest: app.requireOperatorOrKiosk,
      bodyLimit: 1024,
      schema: {
        summary: 'Trade a bearer key for a short-lived HttpOnly cookie that opens the live stats stream',
        tags: ['stats'],
        security: BearerSecurity,
        response: { 200: StreamSessionResponse, ...errorResponses(401) },
      },
    },
    async (request, reply) => {
      const nowSec = Math.floor(Date.now() / 1000)
      const ticket = issueTicket(key, request.kioskId ?? 'operator', nowSec)
      const secure = request.protocol === 'https' ? '; Secure' : ''
      reply.header(
        'set-cookie',
        `${STREAM_COOKIE}=${ticket}; Path=${STREAM_PATH}; Max-Age=${STREAM_TICKET_LIFETIME_SEC}; ` +
          `HttpOnly; SameSite=Strict${secure}`,
      )
      reply.header('cache-control', 'no-store')
      return { expiresAt: new Date((nowSec + STREAM_TICKET_LIFETIME_SEC) * 1000).toISOString(), streamUrl: STREAM_PATH }
    },
  )

  app.get(
    STREAM_PATH,
    {
      schema: {
        summary:
          'Server-sent events: one `stats` event (the /v1/stats report plus clearances per minute) ' +
          'on every ingest and every 5 s',
        tags: ['stats'],
        querystring: StreamQuery,
        response: { ...errorResponses(401) },
      },
    },
    async (request, reply) => {
      const ticket = verifyTicket(
        key,
        cookieValue(request.headers.cookie, STREAM_COOKIE),
        Math.floor(Date.now() / 1000),
      )
      if (!ticket) throw new AppError('UNAUTHORIZED', 'stream session required (POST /v1/stats/stream-session)')
      if (open.size >= maxStreams) throw new AppError('RATE_LIMITED', 'too many open streams')
      const window: StatsWindow = request.query.window ?? 'hour'
      reply.hijack()
      const res: ServerResponse = reply.raw
      request.raw.socket.setTimeout(0)
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
        connection: 'keep-alive',
      })

      let closed = false
      let pending: NodeJS.Timeout | null = null
      let running = false
      let again = false
      const push = async () => {
        if (closed) return
        if (running) {
          again = true
          return
        }
        running = true
        try {
          const now = Date.now()
          const { report, events } = await statsReport(app.store, window, {}, now)
          const body = { ...report, perMinute: perMinute(events, now, MINUTES_SHOWN) }
          if (!closed) res.write(`event: stats\ndata: ${JSON.stringify(body)}\n\n`)
        } catch (error) {
          request.log.warn({ err: error }, 'stats stream push failed')
        } finally {
          running = false
          if (again) {
            again = false
            void push()
          }
        }
      }
      const schedule = () => {
        pending ??= setTimeout(() => {
          pending = null
          void push()
        }, debounceMs)
      }
      const unsubscribe = app.statsFeed.subscribe(schedule)
      const every = setInterval(() => void push(), periodMs)
      const expiry = setTimeout(
        () => {
          if (!closed) res.write('event: expired\ndata: {}\n\n')
          close()
        },
        ticket.expSec * 1000 - Date.now(),
      )
      const close = () => {
        if (closed) return
        closed = true
        unsubscribe()
        clearInterval(every)
        clearTimeout(expiry)
        if (pending) clearTimeout(pending)
        open.delete(close)
        res.end()
      }
      open.add(close)
      res.on('close', close)
      res.write('retry: 3000\n\n')
      await push()
    },
  )
}
