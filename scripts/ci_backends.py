"""Exit 0 when PostgreSQL and Redis answer; creates the test database if it is missing."""

from __future__ import annotations

import asyncio
import sys


async def main(pg_admin_url: str, database: str, redis_url: str) -> int:
    try:
        import asyncpg
        from redis.asyncio import Redis

        conn = await asyncio.wait_for(asyncpg.connect(pg_admin_url), 5)
        try:
            exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database)
            if not exists:
                await conn.execute(f'CREATE DATABASE "{database}"')
        finally:
            await conn.close()
        redis = Redis.from_url(redis_url)
        try:
            await asyncio.wait_for(redis.ping(), 5)
        finally:
            await redis.aclose()
    except Exception as exc:  # any failure means: not reachable here
        print(f"backend check failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(*sys.argv[1:4])))
