"""Keeping C++ objects alive as long as the C++ objects that point to them.

C++ objects hold raw pointers to objects they do not own: an IndexIVF to
the quantizer it was built with, an IDSelectorNot to its selector, a
SearchParametersIVF to its selector. If Python freed those while the holder
lives, the next search would read freed memory. The rules below, applied to
every wrapped class, make such use-after-free impossible from Python:

1. Wrapped objects passed to a constructor are kept in the new object's
   ``referenced_objects`` list (Faiss's name for it).
2. A wrapped object assigned to a field (``params.sel = selector``) is kept
   while the field holds it. SWIG's setters of pointer fields would also
   take Python's ownership away from the object (so it would never be freed);
   the object keeps its ownership instead.
3. A wrapped object read from a field (``index.hnsw``, ``index.quantizer``,
   ``ivf.invlists``) is a view into memory its owner manages, so the view
   keeps its owner alive (Faiss does not do this: there, ``h = index.hnsw;
   del index`` leaves ``h`` dangling).
4. Methods that store a pointer argument keep it too (``prepend_transform``;
   ``replace_invlists`` with own=False, while own=True hands it to C++).

Indexes and search parameters also refuse to set an attribute that does not
exist (AttributeError, as recent Faiss does): a typo such as ``index.nprob = 8``
would otherwise be silently ignored.
"""

from . import swigfaisslike as _swig

# Attributes the bindings themselves set on wrapper objects.
_INTERNAL_ATTRIBUTES = frozenset(("this", "thisown", "referenced_objects"))


def is_wrapped_class(cls):
    """True for the Python proxy class of a C++ class."""
    return hasattr(cls, "thisown")


def is_wrapped(obj):
    """True for the Python proxy of a C++ object."""
    return is_wrapped_class(type(obj))


def add_reference(obj, ref):
    """Keeps ref alive as long as obj."""
    refs = obj.__dict__.setdefault("referenced_objects", [])
    refs.append(ref)


def _keep_owner(obj, owner):
    obj.__dict__["_owner"] = owner
    return obj


def _strict_attributes(obj):
    return isinstance(obj, (_swig.Index, _swig.SearchParameters))


def _setattr(self, name, value):
    cls = type(self)
    field = isinstance(getattr(cls, name, None), property)
    if (
        not field
        and _strict_attributes(self)
        and name not in _INTERNAL_ATTRIBUTES
        and name not in self.__dict__
        and not hasattr(cls, name)
    ):
        raise AttributeError("'%s' object has no attribute '%s'" % (cls.__name__, name))
    if field and is_wrapped(value):
        owned = value.thisown
        object.__setattr__(self, name, value)
        value.thisown = owned
        self.__dict__.setdefault("_field_refs", {})[name] = value
        return
    object.__setattr__(self, name, value)
    if field:
        self.__dict__.get("_field_refs", {}).pop(name, None)


def _constructor_keeping_arguments(swig_init):
    def __init__(self, *args, **kwargs):
        swig_init(self, *args, **kwargs)
        for arg in args:
            if is_wrapped(arg):
                add_reference(self, arg)

    __init__.__doc__ = swig_init.__doc__
    return __init__


def _field_keeping_owner(prop):
    fget = prop.fget

    def get(self):
        value = fget(self)
        if is_wrapped(value):
            _keep_owner(value, self)
        return value

    return property(get, prop.fset, prop.fdel, prop.__doc__)


def handle_class(cls):
    """Applies rules 1-3 to a wrapped class."""
    if "__init__" in vars(cls):
        cls.__init__ = _constructor_keeping_arguments(cls.__init__)
    for name, attr in list(vars(cls).items()):
        if isinstance(attr, property) and name != "thisown":
            setattr(cls, name, _field_keeping_owner(attr))
    cls.__setattr__ = _setattr


def _method_keeping_argument(method):
    def keeping(self, obj, *args):
        add_reference(self, obj)
        return method(self, obj, *args)

    keeping.__doc__ = method.__doc__
    return keeping


def _replace_invlists(method):
    def replace_invlists(self, invlists, own=False):
        """Replaces the inverted lists. With own=True the index takes them
        over (and frees them); otherwise they are kept alive with it."""
        if own:
            invlists.this.disown()
        else:
            add_reference(self, invlists)
        return method(self, invlists, own)

    return replace_invlists


def _function_keeping_argument(function):
    def keeping(obj, *args):
        result = function(obj, *args)
        return _keep_owner(result, obj) if is_wrapped(result) else result

    keeping.__doc__ = function.__doc__
    keeping.__name__ = function.__name__
    return keeping


def handle_methods():
    """Rule 4, and rule 3 for the functions that return a view of their
    argument (downcast_index, extract_index_ivf)."""
    pretransform = _swig.IndexPreTransform
    pretransform.prepend_transform = _method_keeping_argument(pretransform.prepend_transform)
    _swig.IndexIVF.replace_invlists = _replace_invlists(_swig.IndexIVF.replace_invlists)
    return {
        name: _function_keeping_argument(getattr(_swig, name))
        for name in (
            "downcast_index",
            "downcast_VectorTransform",
            "extract_index_ivf",
            "try_extract_index_ivf",
        )
    }
