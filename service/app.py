"""The application factory and its lifespan."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.middleware.cors import CORSMiddleware

from dispatch.incidents import messages as incident_messages  # noqa: F401
from dispatch.incidents import reports as incident_reports  # noqa: F401  (report timers)
from dispatch.incidents.batch import IncidentBatcher
from dispatch.incidents.router import intake_router
from dispatch.incidents.router import router as incidents_router
from dispatch.incidents.router_response import router as incident_response_router
from dispatch.warnings import calls as warning_calls  # noqa: F401  (deadline timers)
from dispatch.warnings.batch import AckBatcher
from dispatch.warnings.router import router as warnings_router
from plans.drills.router import router as drills_router
from plans.drills.router_calendar import router as drill_calendar_router
from plans.drills.router_run import router as drill_run_router
from plans.library.router import router as plans_router
from plans.resources import jobs as resource_jobs  # resources' clock handlers
from plans.resources.router import router as resources_router
from rosters import jobs as roster_jobs  # registers the roster's clock handlers
from rosters import presence as roster_presence  # noqa: F401  (check-in timers)
from rosters import reports as roster_reports  # noqa: F401  (daily dispatch reports)
from rosters.config import CONFIG as ROSTER_CONFIG
from rosters.router import router as duty_router
from rosters.router_rules import router as duty_rules_router
from service import __version__, errors, ui
from service.audit.router import router as audit_router
from service.auth.router import router as auth_router
from service.clock import prune as clock_prune
from service.clock.runner import Clock
from service.db import Database
from service.health import router as health_router
from service.metrics import EVENTS
from service.middleware import RequestContext
from service.notify import jobs as notify_jobs  # registers the notify.deliver handler
from service.notify.router import channels as channels_router
from service.notify.router import deliveries as deliveries_router
from service.orgs.router import router as orgs_router
from service.people.router import router as people_router
from service.realtime.fanout import RedisFanout
from service.realtime.hub import Hub
from service.realtime.router import router as events_router
from service.realtime.ws import LOGINS_AT_ONCE
from service.realtime.ws import router as ws_router
from service.routing import Gated
from service.settings import Settings

API_PREFIX = "/api/v1"


async def _count_events(events: list[Any]) -> None:
    for topic, count in Counter(event.topic for event in events).items():
        EVENTS.labels(topic).inc(count)  # once per topic: thousands of answers commit at once


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    settings.resolved_secret_key()  # fail fast on a bad production secret

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        db = Database(settings.database_url, pool_size=settings.db_pool_size)
        db.after_commit.append(_count_events)
        app.state.db = db
        hub = Hub(
            db,
            ring_size=settings.ws_ring_size,
            poll_s=settings.outbox_poll_s,
            max_buffer_bytes=settings.ws_max_buffer_bytes,
        )
        await hub.start()
        db.after_commit.append(hub.committed)
        app.state.hub = hub
        app.state.ws_logins = asyncio.Semaphore(LOGINS_AT_ONCE)
        fanout = RedisFanout(settings.redis_url, hub) if settings.redis_url else None
        if fanout is not None:
            await fanout.start()
        app.state.fanout = fanout
        notify_jobs.RUNTIME.configure(settings)
        ROSTER_CONFIG.configure(settings)
        clock_prune.CONFIG.configure(settings)
        acks = AckBatcher(db)
        acks.start()
        app.state.acks = acks
        incidents = IncidentBatcher(db)
        incidents.start()
        app.state.incidents = incidents
        clock = None
        if settings.clock_enabled:
            clock = Clock(
                db,
                tick_s=settings.clock_tick_s,
                lease_s=settings.clock_lease_s,
                batch=settings.clock_batch,
            )
            clock.add_cron("duty.daily", lambda: roster_jobs.propose_daily(db), hour=0, minute=5)
            clock.add_cron("resources.daily", lambda: resource_jobs.propose_daily(db), hour=0)
            # 03:30 in Shanghai, the quietest hour
            clock.add_cron("clock.prune", lambda: clock_prune.propose_daily(db), hour=19, minute=30)
            clock.start()
        app.state.clock = clock
        try:
            yield
        finally:
            if clock is not None:
                await clock.stop()
            await incidents.stop()
            await acks.stop()
            if fanout is not None:
                await fanout.stop()
            await hub.stop()
            await notify_jobs.RUNTIME.close()
            await db.dispose()

    app = FastAPI(
        title="Yingji 应急",
        version=__version__,
        description="Emergency response coordination and duty-roster service.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    errors.install(app)

    api = APIRouter(prefix=API_PREFIX)
    for router in (
        auth_router,
        orgs_router,
        people_router,
        channels_router,
        deliveries_router,
        audit_router,
        events_router,
        duty_router,
        warnings_router,
        duty_rules_router,
        incidents_router,
        incident_response_router,
        intake_router,
        plans_router,
        drill_calendar_router,  # before /drills/{drill_id}
        drills_router,
        drill_run_router,
        resources_router,
        ui.router,
    ):
        api.include_router(Gated(API_PREFIX, router))  # a request skips groups not its own
    app.include_router(api)
    app.include_router(health_router)
    app.include_router(ws_router)

    ui.mount(app, settings.ui_dir)  # last: its history fallback catches what is left

    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["*"],
            allow_headers=["*"],
            expose_headers=["X-Request-ID", "Retry-After"],
        )
    app.add_middleware(RequestContext)
    return app
