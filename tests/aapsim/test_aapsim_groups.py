"""Inventory groups as AWX serves them: made in an inventory, hosts attached, detached and
created through the group, counted on the host and the inventory, gone with the inventory."""

from __future__ import annotations

import pytest
from aapsim_support import VERSIONS, api_root


@pytest.mark.parametrize("version", VERSIONS)
def test_groups_and_their_hosts(make_client, version: str) -> None:
    client = make_client(version)
    api = api_root(version)
    inv = client.post(f"{api}inventories/", json={"name": "grouped", "organization": 1}).json()
    group = client.post(f"{api}inventories/{inv['id']}/groups/", json={"name": "web"})
    assert group.status_code == 201, group.text
    gid = group.json()["id"]
    assert group.json()["inventory"] == inv["id"]
    again = client.post(f"{api}groups/", json={"name": "web", "inventory": inv["id"]})
    assert again.status_code == 400
    assert again.json() == {"__all__": ["Group with this Name and Inventory already exists."]}

    made = client.post(f"{api}groups/{gid}/hosts/", json={"name": "web1"})
    assert made.status_code == 201 and made.json()["inventory"] == inv["id"]
    other = client.post(f"{api}inventories/{inv['id']}/hosts/", json={"name": "web2"}).json()
    assert client.post(f"{api}groups/{gid}/hosts/", json={"id": other["id"]}).status_code == 204
    # a host of that name, posted without variables, is attached rather than made again
    assert client.post(f"{api}groups/{gid}/hosts/", json={"name": "web2"}).status_code == 204
    members = client.get(f"{api}groups/{gid}/hosts/").json()
    assert [h["name"] for h in members["results"]] == ["web1", "web2"]
    host = client.get(f"{api}hosts/{other['id']}/").json()
    assert host["summary_fields"]["groups"] == {"count": 1, "results": [{"id": gid, "name": "web"}]}
    assert client.get(f"{api}hosts/{other['id']}/groups/").json()["count"] == 1
    assert client.get(f"{api}inventories/{inv['id']}/").json()["total_groups"] == 1

    detach = {"id": other["id"], "disassociate": True}
    assert client.post(f"{api}groups/{gid}/hosts/", json=detach).status_code == 204
    assert client.get(f"{api}groups/{gid}/hosts/").json()["count"] == 1
    assert (
        client.patch(f"{api}groups/{gid}/", json={"description": "d"}).json()["description"] == "d"
    )
    assert client.delete(f"{api}inventories/{inv['id']}/").status_code == 202
    assert client.get(f"{api}groups/{gid}/").status_code == 404
