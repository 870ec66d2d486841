"""Building TVB components (connectivity, model, coupling, integrator and noise, monitors, stimulus) from the
trace's descriptions: classes looked up only in TVB's own modules (`_tvb_class`), every numeric trait set from
the trace (`_set_traits`), sidecars checked against the hashes their records give.

What can be rebuilt is listed under "Supported" in the package docstring. Monitors whose set-up the trace does
not hold in full (ASSUMED_DEFAULTS) are rebuilt with TVB's defaults. A description the replay cannot rebuild
raises `Unconfirmed`; one that contradicts its sidecar or itself, `Forged`. `_Builder` caches connectivities by
sidecar name (runs of a notebook share them).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import Forged, Unconfirmed
from .evidence import _load_sidecar, _num, decode_array


def _set_traits(obj: Any, encoded: dict, what: str) -> dict:
    """Set every numeric declared trait of `obj` named in `encoded`; returns name -> value set."""
    import numpy
    from tvb.basic.neotraits.api import Float, Int, NArray

    cls, done = type(obj), {}
    declared = getattr(cls, "declarative_attrs", ())
    for name, value in encoded.items():
        if name not in declared or name in ("gid", "title"):
            raise Unconfirmed(f"{what}: {cls.__name__} has no numeric trait {name!r}")
        trait = getattr(cls, name)
        arr = decode_array(value, f"{what}.{name}")
        if isinstance(trait, NArray):
            dtype = numpy.dtype(trait.dtype) if trait.dtype is not None else numpy.dtype(numpy.float64)
            cast = arr.astype(dtype)
            if not numpy.array_equal(cast.astype(numpy.float64), arr, equal_nan=True):
                raise Forged(f"{what}.{name}: values not representable as {dtype}")
            new = cast
        elif isinstance(trait, (Float, Int)) and arr.size == 1:
            new = float(arr.ravel()[0]) if isinstance(trait, Float) else int(arr.ravel()[0])
        else:
            raise Unconfirmed(f"{what}.{name}: trait type {type(trait).__name__} is not supported")
        setattr(obj, name, new)
        done[name] = new
    return done


def _tvb_class(module: Any, name: Any, base: type, what: str) -> type:
    cls = getattr(module, name, None) if isinstance(name, str) and name.isidentifier() else None
    if not (isinstance(cls, type) and issubclass(cls, base)):
        raise Unconfirmed(f"{what} class {str(name)[:60]!r} is not one of TVB's")
    return cls


def _section(record: dict, key: str, what: str) -> Any:
    if key not in record or (record[key] is None and key in ("model", "connectivity", "coupling", "integrator",
                                                               "monitors", "simulator")):
        raise Unconfirmed(f"{what} has no {key} description (the hook could not record it)")
    return record[key]


SUPPORTED_MONITORS = ("Raw", "RawVoi", "SubSample", "TemporalAverage", "GlobalAverage", "AfferentCoupling",
                      "AfferentCouplingTemporalAverage", "Bold", "EEG", "MEG", "iEEG")
# Monitors whose set-up the trace does not hold in full: the replay rebuilds them with TVB's defaults (Bold: the
# default HRF), so an output that differs from the trace is "unconfirmed" (the notebook may have used another
# set-up), never "forged".
ASSUMED_DEFAULTS = {"Bold": "the Bold HRF is not in the trace"}
NO_PERIOD = ("Raw", "RawVoi", "AfferentCoupling")   # sample every step; their period trait is ignored
# Sensor monitors (EEG, MEG, iEEG) are rebuilt from the files tvb_data ships, identified by the content hashes the
# trace records (sensors: labels, locations, orientations, usable; projection: projection_data; region mapping:
# array_data); a monitor without a projection gets TVB's analytic gain (iEEG's point dipole, as the goals use it).
# Their observation noise is rebuilt as traced (class, nsig, ntau, noise_seed, or None) and its random stream restored
# from the rng sidecars at configure() and at each run, so their output is reproduced bitwise and compared strictly.
PROJECTION_MONITORS = ("EEG", "MEG", "iEEG")
SENSOR_FILES = {"SensorsEEG": ("eeg_brainstorm_65.txt", "eeg_unitvector_62.txt.bz2"),
                "SensorsMEG": ("meg_brainstorm_276.txt", "meg_151.txt.bz2"),
                "SensorsInternal": ("seeg_588.txt", "seeg_39.txt.bz2")}
PROJECTION_FILES = {"ProjectionSurfaceEEG": ("projection_eeg_65_surface_16k.npy", "projection_eeg_62_surface_16k.mat"),
                    "ProjectionSurfaceMEG": ("projection_meg_276_surface_16k.npy",),
                    "ProjectionSurfaceSEEG": ()}
REGION_MAPPING_FILES = ("regionMapping_16k_76.txt", "regionMapping_16k_192.txt")


def content_digest(fields) -> str:
    """The hook's `digest_of`: sha256 over (name, shape, bytes) of each present field; labels as newline-joined UTF-8,
    everything else as float64 C-order bytes."""
    import hashlib

    import numpy

    digest = hashlib.sha256()
    for name, value in fields:
        if value is None:
            continue
        arr = numpy.asarray(value)
        data = ("\n".join(str(x) for x in arr.ravel().tolist()).encode("utf-8") if name == "labels"
                else numpy.ascontiguousarray(arr, dtype=numpy.float64).tobytes())
        digest.update(f"{name}:{list(arr.shape)};".encode())
        digest.update(data)
    return digest.hexdigest()


def sensors_digest(sensors: Any) -> str:
    return content_digest([(name, getattr(sensors, name, None))
                           for name in ("labels", "locations", "orientations", "usable")])


@dataclass
class _Conn:
    conn: Any
    labels: tuple


class _Builder:
    """Builds TVB objects from records; caches connectivities by sidecar name."""

    def __init__(self, dir_fd: int):
        self.dir_fd = dir_fd
        self.conns: dict[str, _Conn] = {}
        self._default = None
        self._digests: dict[tuple, str] = {}   # (kind, class, file) -> content digest of a tvb_data file

    def default_connectivity(self):
        if self._default is None:
            from tvb.datatypes.connectivity import Connectivity

            conn = Connectivity.from_file()
            # TVB adds its metaclass dynamically, so pyright misreads its attribute descriptors (neotraits)
            self._default = (conn.weights, conn.tract_lengths,  # pyright: ignore[reportAttributeAccessIssue]
                             tuple(str(s) for s in conn.region_labels))  # pyright: ignore[reportAttributeAccessIssue]
        return self._default

    def connectivity(self, desc: Any, what: str) -> _Conn:
        import hashlib

        import numpy
        from tvb.datatypes.connectivity import Connectivity

        if not isinstance(desc, dict):
            raise Unconfirmed(f"{what}: no connectivity description")
        name = desc.get("sidecar")
        if name is None:
            raise Unconfirmed(f"{what}: the connectivity was not saved (sidecar budget)")
        if name in self.conns:
            found = self.conns[name]
        else:
            arrays = _load_sidecar(self.dir_fd, name)
            content = hashlib.sha256()
            for key, arr in arrays.items():    # the hook's content hash, in the order it saved the arrays
                content.update(f"{key}:{arr.dtype.str}:{arr.shape};".encode())
                content.update(numpy.ascontiguousarray(arr).tobytes())
            if not name.startswith(f"conn-{content.hexdigest()[:12]}"):
                raise Forged(f"{what}: sidecar {name} does not hold the content its name hashes")
            for key in ("weights", "tract_lengths", "region_labels"):
                if key not in arrays:
                    raise Forged(f"{what}: sidecar {name} lacks {key}")
            kwargs = {}
            for key in ("weights", "tract_lengths", "centres", "speed", "areas", "orientations"):
                if key in arrays:
                    kwargs[key] = numpy.asarray(arrays[key], dtype=numpy.float64)
            for key in ("cortical", "hemispheres"):
                if key in arrays:
                    kwargs[key] = numpy.asarray(arrays[key], dtype=bool)
            labels = numpy.asarray(arrays["region_labels"]).astype(str)
            n = kwargs["weights"].shape[0] if kwargs["weights"].ndim == 2 else -1
            if kwargs["weights"].shape != (n, n) or kwargs["tract_lengths"].shape != (n, n) or labels.shape != (n,):
                raise Forged(f"{what}: sidecar {name} has inconsistent shapes")
            conn = Connectivity(region_labels=labels, **kwargs)
            conn.configure()
            found = _Conn(conn, tuple(str(s) for s in labels))
            default = self.default_connectivity()
            # (pyright misreads TVB's neotraits descriptors: its metaclass is added dynamically)
            same_weights = numpy.array_equal(conn.weights, default[0])  # pyright: ignore[reportAttributeAccessIssue]
            same_lengths = numpy.array_equal(conn.tract_lengths, default[1])  # pyright: ignore[reportAttributeAccessIssue]
            if same_weights and same_lengths and found.labels != default[2]:
                raise Unconfirmed(f"{what}: the default connectivity's region labels were changed")
            self.conns[name] = found
        digest = hashlib.sha256()
        digest.update(numpy.ascontiguousarray(found.conn.weights, dtype=numpy.float64).tobytes())
        digest.update(numpy.ascontiguousarray(found.conn.tract_lengths, dtype=numpy.float64).tobytes())
        if desc.get("sha256") != digest.hexdigest():
            raise Forged(f"{what}: connectivity sha256 does not match its sidecar {name}")
        if desc.get("number_of_regions") != found.conn.number_of_regions:
            raise Forged(f"{what}: number_of_regions {desc.get('number_of_regions')} but the sidecar has "
                         f"{found.conn.number_of_regions}")
        speed = decode_array(desc.get("speed"), f"{what}.connectivity.speed")
        if not numpy.array_equal(speed.ravel(), numpy.asarray(found.conn.speed, dtype=float).ravel()):
            raise Forged(f"{what}: connectivity speed differs from its sidecar")
        return found

    def model(self, desc: Any, what: str):
        from tvb.simulator import models
        from tvb.simulator.models.base import Model  # (models.Model is this class, set where pyright cannot see)

        if not isinstance(desc, dict):
            raise Unconfirmed(f"{what}: no model description")
        if not str(desc.get("module", "")).startswith("tvb.simulator.models"):
            raise Unconfirmed(f"{what}: model {desc.get('class')} is defined outside TVB ({desc.get('module')})")
        cls = _tvb_class(models, desc.get("class"), Model, f"{what}: model")
        model = cls()
        encoded = {**(desc.get("defaults") or {}), **(desc.get("params") or {})}
        _set_traits(model, encoded, f"{what}: model")
        voi = desc.get("variables_of_interest")
        if isinstance(voi, list) and voi and list(voi) != list(model.variables_of_interest or ()):
            try:
                model.variables_of_interest = tuple(str(v) for v in voi)
            except Exception as error:
                raise Forged(f"{what}: {cls.__name__} has no variables of interest {voi}: {error}") from None
        ranges = desc.get("state_variable_range")
        if ranges is not None:       # what the random initial history is drawn from (older traces lack it)
            import numpy

            current = model.state_variable_range
            if not isinstance(ranges, dict) or set(ranges) != set(current):
                raise Unconfirmed(f"{what}: state_variable_range names {sorted(ranges or ())} are not "
                                  f"{cls.__name__}'s")
            for name, bounds in ranges.items():
                if not isinstance(bounds, list) or len(bounds) != numpy.size(current[name]):
                    raise Forged(f"{what}: state_variable_range[{name!r}] = {str(bounds)[:60]}")
                # TVB shares this dict between instances of a class: assign every entry, as it was at configure()
                current[name] = numpy.array([_num(x, f"{what}: state_variable_range") for x in bounds])
        if desc.get("number_of_modes") != model.number_of_modes:
            raise Forged(f"{what}: {cls.__name__} has {model.number_of_modes} modes, not {desc.get('number_of_modes')}")
        return model

    def coupling(self, desc: Any, what: str):
        from tvb.simulator import coupling

        if not isinstance(desc, dict):
            raise Unconfirmed(f"{what}: no coupling description")
        cls = _tvb_class(coupling, desc.get("class"), coupling.Coupling, f"{what}: coupling")
        obj = cls()
        _set_traits(obj, desc.get("params") or {}, f"{what}: coupling")
        return obj

    def integrator(self, desc: Any, noise_desc: Any, what: str):
        from tvb.simulator import integrators, noise

        if not isinstance(desc, dict):
            raise Unconfirmed(f"{what}: no integrator description")
        cls = _tvb_class(integrators, desc.get("class"), integrators.Integrator, f"{what}: integrator")
        dt = _num(desc.get("dt"), f"{what}: integrator dt")
        if not 0 < dt < 1e6:
            raise Forged(f"{what}: integrator dt {dt!r}")
        stochastic = issubclass(cls, integrators.IntegratorStochastic)
        if bool(desc.get("stochastic")) != stochastic or (noise_desc is not None) != stochastic:
            raise Forged(f"{what}: {cls.__name__} is {'' if stochastic else 'not '}stochastic, the trace says otherwise")
        if not stochastic:
            return cls(dt=dt)
        if not isinstance(noise_desc, dict):
            raise Unconfirmed(f"{what}: no noise description")
        ncls = _tvb_class(noise, noise_desc.get("class"), noise.Noise, f"{what}: noise")
        if ncls not in (noise.Additive, noise.Multiplicative):
            raise Unconfirmed(f"{what}: noise {ncls.__name__} is not supported")
        seed = noise_desc.get("noise_seed")
        if not isinstance(seed, int) or isinstance(seed, bool):
            raise Unconfirmed(f"{what}: noise_seed {seed!r}")
        nsig = decode_array(noise_desc.get("nsig"), f"{what}: noise nsig")
        ntau = _num(noise_desc.get("ntau", 0.0), f"{what}: noise ntau")
        return cls(dt=dt, noise=ncls(nsig=nsig, ntau=ntau, noise_seed=seed))

    def monitors(self, descs: Any, what: str) -> tuple[list, list]:
        """(monitors, provenance per monitor: None, or a sensor monitor's files and observation noise)."""
        import numpy
        from tvb.simulator import monitors

        if not isinstance(descs, list) or not descs:
            raise Unconfirmed(f"{what}: no monitors described")
        out, provenance = [], []
        for k, desc in enumerate(descs):
            name = desc.get("class") if isinstance(desc, dict) else None
            if name not in SUPPORTED_MONITORS:
                raise Unconfirmed(f"{what}: monitor {str(name)[:40]} is not supported by the replay")
            cls = _tvb_class(monitors, name, monitors.Monitor, f"{what}: monitor")
            kwargs = {}
            voi = desc.get("variables_of_interest") or []
            if not isinstance(voi, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in voi):
                raise Forged(f"{what}: monitor {k + 1} variables_of_interest {str(voi)[:60]}")
            if voi:
                kwargs["variables_of_interest"] = numpy.array(voi, dtype=int)
            if name not in NO_PERIOD:
                kwargs["period"] = _num(desc.get("period"), f"{what}: monitor {k + 1} period")
            if name in PROJECTION_MONITORS:
                monitor, origin = self.projection_monitor(cls, desc, kwargs, f"{what}: monitor {k + 1} ({name})")
                out.append(monitor)
                provenance.append(origin)
                continue
            out.append(cls(**kwargs))
            provenance.append(None)
        return out, provenance

    def _identify(self, kind: str, cls: type, files: tuple, claimed: Any, load, digest, what: str):
        """(object, file) for the tvb_data file among `files` whose content digest is `claimed`; Unconfirmed if none."""
        for fname in files:
            key = (kind, cls.__name__, fname)
            known = self._digests.get(key)
            if known is not None and known != claimed:
                continue
            try:
                obj = load(cls, fname)
            except Exception as error:
                raise Unconfirmed(f"{what}: tvb_data's {fname} could not be loaded ({type(error).__name__}: "
                                  f"{str(error)[:200]})") from None
            self._digests[key] = digest(obj)
            if self._digests[key] == claimed:
                return obj, fname
        raise Unconfirmed(f"{what}: its {kind} are none of the {cls.__name__} files tvb_data ships "
                          f"({', '.join(files) or 'none'}); only those are replayed")

    def projection_monitor(self, cls: type, desc: dict, kwargs: dict, what: str) -> tuple:
        """An EEG/MEG/iEEG monitor rebuilt from tvb_data's files as the trace identifies them (see PROJECTION_MONITORS)
        and its provenance {sensors, labels, projection, region_mapping, obsnoise, reference} for the goals."""
        from tvb.datatypes import region_mapping, sensors
        from tvb.simulator import noise

        if not str(desc.get("module", "")).startswith("tvb.simulator.monitors"):
            raise Unconfirmed(f"{what}: the sensor set-up was not recorded or the class is not TVB's "
                              f"({str(desc.get('module'))[:60]})")
        sens = _section(desc, "sensors", what)
        if not isinstance(sens, dict) or not isinstance(sens.get("sha256"), str):
            raise Unconfirmed(f"{what}: the sensors' content was not recorded")
        field_type = cls.sensors.field_type   # pyright: ignore[reportAttributeAccessIssue]  (neotraits Attr)
        s_cls = _tvb_class(sensors, sens.get("class"), field_type, f"{what}: sensors")
        sensor_obj, sensor_file = self._identify("sensors", s_cls, SENSOR_FILES.get(s_cls.__name__, ()),
                                                 sens["sha256"], lambda c, f: c.from_file(f), sensors_digest, what)
        kwargs = dict(kwargs, sensors=sensor_obj)
        proj = desc.get("projection", "absent")
        projection_file = "analytic"
        if proj == "absent":
            raise Unconfirmed(f"{what}: its projection was not recorded")
        if proj is not None:
            p_field = cls.projection.field_type   # pyright: ignore[reportAttributeAccessIssue]  (neotraits Attr)
            if not isinstance(proj, dict) or proj.get("class") != p_field.__name__:
                raise Unconfirmed(f"{what}: projection {str(proj)[:80]} is not a {p_field.__name__}")
            kwargs["projection"], projection_file = self._identify(
                "projection", p_field, PROJECTION_FILES.get(p_field.__name__, ()), proj.get("sha256"),
                lambda c, f: c.from_file(f), lambda o: content_digest([("projection_data", o.projection_data)]), what)
        rmap = desc.get("region_mapping", "absent")
        rmap_file = None
        if rmap == "absent":
            raise Unconfirmed(f"{what}: its region mapping was not recorded")
        if rmap is not None:
            if not isinstance(rmap, dict):
                raise Forged(f"{what}: region mapping {str(rmap)[:60]}")
            kwargs["region_mapping"], rmap_file = self._identify(
                "region mapping", region_mapping.RegionMapping, REGION_MAPPING_FILES, rmap.get("sha256"),
                lambda c, f: c.from_file(f), lambda o: content_digest([("array_data", o.array_data)]), what)
        obs = desc.get("obsnoise", "absent")
        if obs == "absent":
            raise Unconfirmed(f"{what}: its observation noise was not recorded")
        if obs is None:
            kwargs["obsnoise"] = None
        else:
            if not isinstance(obs, dict) or obs.get("module") != "tvb.simulator.noise":
                raise Unconfirmed(f"{what}: observation noise {str(obs)[:80]} is not TVB's")
            ncls = _tvb_class(noise, obs.get("class"), noise.Noise, f"{what}: observation noise")
            if ncls not in (noise.Additive, noise.Multiplicative):
                raise Unconfirmed(f"{what}: observation noise {ncls.__name__} is not supported")
            seed = obs.get("noise_seed")
            if not isinstance(seed, int) or isinstance(seed, bool):
                raise Unconfirmed(f"{what}: observation noise_seed {seed!r}")
            kwargs["obsnoise"] = ncls(nsig=decode_array(obs.get("nsig"), f"{what}: observation noise nsig"),
                                      ntau=_num(obs.get("ntau", 0.0), f"{what}: observation noise ntau"),
                                      noise_seed=seed)
        reference = desc.get("reference")
        if reference is not None:
            if cls.__name__ != "EEG" or not isinstance(reference, str):
                raise Forged(f"{what}: reference {str(reference)[:60]!r}")
            kwargs["reference"] = reference
        if desc.get("sigma") is not None:
            if "sigma" not in getattr(cls, "declarative_attrs", ()):
                raise Forged(f"{what}: {cls.__name__} has no sigma")
            kwargs["sigma"] = _num(desc.get("sigma"), f"{what}: sigma")
        try:
            monitor = cls(**kwargs)
        except Exception as error:
            raise Unconfirmed(f"{what}: could not be rebuilt ({type(error).__name__}: {str(error)[:200]})") from None
        origin = {"sensors": sensor_file, "labels": [str(x) for x in sensor_obj.labels], "projection": projection_file,
                  "region_mapping": rmap_file, "reference": reference,
                  "obsnoise": None if obs is None else {k: obs.get(k) for k in ("class", "nsig", "ntau", "noise_seed")}}
        return monitor, origin

    def stimulus(self, desc: Any, conn: _Conn, what: str):
        import numpy
        from tvb.datatypes import equations, patterns

        if desc is None:
            return None
        if not isinstance(desc, dict) or desc.get("class") != "StimuliRegion":
            raise Unconfirmed(f"{what}: stimulus {str((desc or {}).get('class'))[:40]} is not supported "
                              "(region stimuli only)")
        temporal = desc.get("temporal")
        if not isinstance(temporal, dict):
            raise Unconfirmed(f"{what}: stimulus without a temporal equation")
        eq_cls = _tvb_class(equations, temporal.get("class"), equations.Equation, f"{what}: stimulus equation")
        eq = eq_cls()
        eq.parameters = self.equation_parameters(eq, temporal, what)
        if "weight" not in desc:
            raise Unconfirmed(f"{what}: stimulus weights not recorded")
        weight = decode_array(desc["weight"], f"{what}: stimulus weight").ravel()
        n = conn.conn.number_of_regions
        if weight.shape != (n,):
            raise Unconfirmed(f"{what}: stimulus weight of shape {weight.shape} for {n} regions")
        nonzero = [int(i) for i in numpy.flatnonzero(weight)]
        if desc.get("regions") != nonzero[:4096] or desc.get("labels") not in (None, [conn.labels[i] for i in nonzero[:4096]]):
            raise Forged(f"{what}: stimulus regions/labels are not the weighted regions of the connectivity")
        return patterns.StimuliRegion(temporal=eq, connectivity=conn.conn, weight=weight)

    @staticmethod
    def equation_parameters(eq: Any, temporal: dict, what: str) -> dict:
        params = temporal.get("parameters") or {}
        if not isinstance(params, dict):
            raise Forged(f"{what}: stimulus equation parameters are not a mapping")
        default = dict(getattr(eq, "parameters", None) or {})
        if set(params) != set(default):   # numexpr evaluates the class's own equation string with these names
            raise Unconfirmed(f"{what}: stimulus {type(eq).__name__} parameters {sorted(params)} are not the "
                              f"class's {sorted(default)}")
        return {k: _num(v, f"{what}: stimulus parameter {k}") for k, v in params.items()}
