"""flows.toml: typed models of the flows, and their loading, validation and saving."""

from console.flows.errors import FlowsError, Problem, SecretMissingError
from console.flows.file import dumps, load, loads, save, save_flow
from console.flows.model import (
    ErpLogin,
    FetchMissing,
    Flow,
    FlowsConfig,
    MappingStep,
    OmnitronSettings,
    OmsSettings,
    Pagination,
    ReadStep,
    RunnerSettings,
    ScriptStep,
    WriteStep,
)
from console.flows.schedule import Schedule, ScheduleError
from console.flows.secrets import Secret

__all__ = [
    "ErpLogin", "FetchMissing", "Flow", "FlowsConfig", "FlowsError", "MappingStep",
    "OmnitronSettings", "OmsSettings", "Pagination", "Problem", "ReadStep", "RunnerSettings",
    "Schedule", "ScheduleError", "ScriptStep", "Secret", "SecretMissingError", "WriteStep",
    "dumps", "load", "loads", "save", "save_flow",
]
