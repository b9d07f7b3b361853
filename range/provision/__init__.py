"""Provisioning with Ansible: inventories, the site playbook, planted flags."""

from range.provision.inventory import flag_spots, inventory_path
from range.provision.model import FlagSpot, ProvisionProgress, ProvisionReport, ScenarioSource
from range.provision.provisioner import log_path, prepare, provision

__all__ = [
    "FlagSpot",
    "ProvisionProgress",
    "ProvisionReport",
    "ScenarioSource",
    "flag_spots",
    "inventory_path",
    "log_path",
    "prepare",
    "provision",
]
