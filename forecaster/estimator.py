"""The base shared by the package's estimators (Forecaster, TokenGenerator, SequenceClassifier).

It gives each estimator the same four behaviours, written once:

* parameters: ``get_params`` / ``set_params`` read from the ``__init__``
  signature (scikit-learn style, so ``sklearn.base.clone`` works); the
  constructor only stores its arguments;
* a fit that validates its parameters *before* touching the fitted state, and
  restores the earlier fitted state when it fails, so a failed ``fit`` never
  deletes a good model (:meth:`Estimator._fit_context`);
* a fitted check that raises :class:`~forecaster.errors.NotFittedError`;
* a cache for the compiled prediction function (a ``tf.function`` traced
  once per fitted model).

Subclasses implement ``_validate_params`` and ``fit``; learned attributes end
in ``_`` as in scikit-learn.
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Callable, Iterator
from typing import Any

from forecaster.errors import ForecasterError, NotFittedError

__all__ = ["Estimator", "ParamsMixin"]


class ParamsMixin:
    """sklearn-style ``get_params`` / ``set_params`` read from the ``__init__`` signature.

    The constructor of a subclass must store every argument unchanged under
    the same name (no checks, no work), as scikit-learn estimators do.
    """

    @classmethod
    def _param_names(cls) -> list[str]:
        signature = inspect.signature(cls.__init__)
        return [name for name in signature.parameters if name != "self"]

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Return the constructor arguments as a dict (``deep`` is accepted for sklearn)."""
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params: Any) -> Any:
        """Set constructor arguments by name and return ``self``.

        Raises:
            ForecasterError: for a name that is not a constructor argument.
        """
        valid = self._param_names()
        for name, value in params.items():
            if name not in valid:
                raise ForecasterError(
                    f"{type(self).__name__} has no parameter {name!r}; valid parameters are {', '.join(valid)}."
                )
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        defaults = {
            name: p.default for name, p in inspect.signature(type(self).__init__).parameters.items()
        }
        changed = [
            f"{name}={value!r}" for name, value in self.get_params().items() if value != defaults.get(name)
        ]
        return f"{type(self).__name__}({', '.join(changed)})"


class Estimator(ParamsMixin):
    """Parameters, validate-then-reset ``fit``, fitted check and compiled-predict cache."""

    #: what ``fit`` takes, named in the not-fitted message ("call fit(data) before ...")
    _fit_argument = "data"

    def _validate_params(self) -> None:
        """Raise ForecasterError for a parameter that breaks its rule (subclasses override)."""

    def _fitted_state(self) -> dict[str, Any]:
        return {
            name: value
            for name, value in vars(self).items()
            if (name.endswith("_") and not name.startswith("__")) or name == "_predict_fn"
        }

    def _reset(self) -> None:
        """Drop every learned attribute and the compiled prediction function."""
        for name in self._fitted_state():
            delattr(self, name)
        self._predict_fn = None

    @contextlib.contextmanager
    def _fit_context(self) -> Iterator[None]:
        """Validate the parameters, then drop the old fit; restore it if the new fit fails."""
        self._validate_params()
        earlier = self._fitted_state()
        self._reset()
        try:
            yield
        except BaseException:
            self._reset()
            vars(self).update(earlier)
            raise

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "model_")

    def _check_fitted(self, action: str) -> None:
        """Raise NotFittedError naming ``action`` unless ``fit`` has run (or a run was loaded)."""
        if not hasattr(self, "model_"):
            raise NotFittedError(
                f"this {type(self).__name__} is not fitted yet; call fit({self._fit_argument}) before {action}."
            )

    def _compiled_predict(self, make: Callable[[], Callable]) -> Callable:
        """The cached compiled prediction function of the fitted model (built by ``make`` once)."""
        fn = getattr(self, "_predict_fn", None)
        if fn is None:
            fn = self._predict_fn = make()
        return fn
