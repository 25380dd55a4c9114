"""Direct frame writes for the hub, on top of uvicorn's websockets protocol.

Through ASGI every client costs a task switch and a frame encoding per event. The hub
instead encodes each event's frame once and, for clients that are caught up, writes
those bytes straight to their transports, as ``websockets.broadcast()`` does. This
protocol offers itself to the app under the ASGI scope extension ``yingji.frames``;
under any other server the extension is absent and the ASGI path is used.
"""

from __future__ import annotations

from typing import Any

import uvicorn
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.frames import Frame, Opcode

from service.settings import Settings

EXTENSION = "yingji.frames"


def text_frame(text: str) -> bytes:
    """A complete, unmasked, uncompressed server text frame."""
    return Frame(Opcode.TEXT, text.encode()).serialize(mask=False)


class FrameWriter(WebSocketsSansIOProtocol):
    def handle_connect(self, event: Any) -> None:
        super().handle_connect(event)
        scope = getattr(self, "scope", None)
        if scope is not None and not self.conn.extensions:  # frames must not be compressed
            scope["extensions"][EXTENSION] = self

    def write_frame(self, frame: bytes) -> bool:
        """Append a whole frame to the transport; False once the connection is closing."""
        if self.close_sent or self.transport.is_closing():
            return False
        self.transport.write(frame)
        return True

    def close_now(self, code: int, reason: str) -> None:
        """Queue the close frame behind what is buffered, without waiting for the socket to
        drain (which a client that stopped reading never lets happen); the transport is
        closed after the usual close timeout. Mirrors uvicorn's own close, minus the wait."""
        if self.close_sent or self.transport.is_closing():
            return
        self.queue.put_nowait({"type": "websocket.disconnect", "code": code, "reason": reason})
        self.conn.send_close(code, reason)
        self.transport.write(b"".join(self.conn.data_to_send()))
        self.close_sent = True
        if self.read_paused:
            self.read_paused = False
            self.transport.resume_reading()
        self.close_timer = self.loop.call_later(self.close_timeout, self.transport.close)

    def buffered(self) -> int:
        """Bytes written but not yet taken by the kernel: how far behind the client is."""
        return int(self.transport.get_write_buffer_size())


def uvicorn_config(
    app: Any, settings: Settings, *, host: str, port: int, **extra: Any
) -> uvicorn.Config:
    """The one server configuration: ``yingji serve``, the tests and the benchmarks."""
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_config=None,
        proxy_headers=True,
        ws=FrameWriter,
        ws_per_message_deflate=False,
        ws_max_size=settings.ws_max_frame_bytes,
        ws_ping_interval=settings.ws_ping_interval_s,
        ws_ping_timeout=settings.ws_ping_interval_s,
        **extra,
    )
