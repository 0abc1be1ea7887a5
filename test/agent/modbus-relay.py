#!/usr/bin/python3
"""A Modbus TCP relay module for the gate tests: Debian's pymodbus server (python3-pymodbus) on a
loopback port, 64 coils at addresses 0-63, unit ids all answered. Prints "listening PORT" once
bound, then one JSON line per coil write: {"t": ms since the epoch, "coil": address, "on": bool}.
Usage: modbus-relay.py [PORT]  (0 = a free port)."""
import asyncio
import json
import logging
import sys
import time

from pymodbus.datastore import ModbusSequentialDataBlock, ModbusServerContext, ModbusSlaveContext
from pymodbus.server.async_io import ModbusTcpServer

logging.basicConfig(level=logging.CRITICAL)
logging.getLogger("pymodbus").setLevel(logging.CRITICAL)


class LoggedCoils(ModbusSequentialDataBlock):
    def setValues(self, address, values):  # noqa: N802 (pymodbus' name)
        super().setValues(address, values)
        for i, v in enumerate(values if isinstance(values, list) else [values]):
            print(json.dumps({"t": int(time.time() * 1000), "coil": address + i, "on": bool(v)}), flush=True)


async def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    store = ModbusSlaveContext(co=LoggedCoils(0, [False] * 64), zero_mode=True)
    server = ModbusTcpServer(ModbusServerContext(slaves=store, single=True), address=("127.0.0.1", port), allow_reuse_address=True)
    task = asyncio.create_task(server.serve_forever())
    await server.serving
    print(f"listening {server.server.sockets[0].getsockname()[1]}", flush=True)
    await task


asyncio.run(main())
