"""Protected airspace: import from GeoJSON or country borders, list, delete."""

from __future__ import annotations

from collections.abc import Callable

from skyaccord.airspace.build import airspace_from_geojson, country_airspace
from skyaccord.airspace.model import ProtectedAirspace
from skyaccord.clock import Clock, SystemClock
from skyaccord.errors import NotFound, PermissionDenied
from skyaccord.store import Store
from skyaccord.store import airspace as repo
from skyaccord.store import parties as party_repo


class AirspaceService:
    def __init__(self, store: Store, clock: Clock | None = None) -> None:
        self.store = store
        self.clock = clock or SystemClock()
        self.listeners: list[Callable[[], None]] = []  # told after every change

    def _changed(self) -> None:
        for fn in self.listeners:
            fn()

    def _owner_exists(self, owner: str) -> None:
        if self.store.transact(lambda c: party_repo.get_party(c, owner), write=False) is None:
            raise NotFound(f"party {owner!r} does not exist")

    def add(
        self, items: list[ProtectedAirspace], *, replace: bool = False
    ) -> list[ProtectedAirspace]:
        """Stores every item, all or nothing."""
        for a in {a.owner for a in items}:
            self._owner_exists(a)

        def run(conn: object) -> None:
            for a in items:
                repo.insert_airspace(conn, a, replace=replace)  # type: ignore[arg-type]

        self.store.transact(run)
        self._changed()
        return items

    def import_geojson(
        self, owner: str, obj: object, *, replace: bool = False
    ) -> list[ProtectedAirspace]:
        return self.add(airspace_from_geojson(obj, owner, now=self.clock.now()), replace=replace)

    def import_country(
        self,
        owner: str,
        code: str,
        *,
        source: str = "auto",
        airspace_id: str | None = None,
        altitude_lower: object = "0 m",
        altitude_upper: object = "FL660",
        replace: bool = False,
    ) -> ProtectedAirspace:
        a = country_airspace(
            code,
            owner,
            source=source,
            airspace_id=airspace_id,
            altitude_lower=altitude_lower,
            altitude_upper=altitude_upper,
            now=self.clock.now(),
        )
        return self.add([a], replace=replace)[0]

    def list(self, owner: str | None = None) -> list[ProtectedAirspace]:
        return self.store.transact(lambda c: repo.list_airspace(c, owner), write=False)

    def get(self, airspace_id: str) -> ProtectedAirspace:
        a = self.store.transact(lambda c: repo.get_airspace(c, airspace_id), write=False)
        if a is None:
            raise NotFound(f"airspace {airspace_id!r} does not exist")
        return a

    def delete(self, party: str | None, airspace_id: str) -> None:
        a = self.get(airspace_id)
        if party is not None and a.owner != party:
            raise PermissionDenied(f"airspace {airspace_id!r} belongs to another party")
        self.store.transact(lambda c: repo.delete_airspace(c, airspace_id))
        self._changed()
