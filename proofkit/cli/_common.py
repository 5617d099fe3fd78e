"""Argument helpers shared by the verbs: targets, tolerances, domains, output."""
from __future__ import annotations

import argparse
import sys
from fractions import Fraction

from ..expr import parse_target
from . import CLIError


def positive(name):
    """argparse type: a positive finite number given as decimal or p/q; kept as its text."""
    def convert(text):
        try:
            value = Fraction(text.strip())
        except (ValueError, ZeroDivisionError):
            raise argparse.ArgumentTypeError(f"{name} must be a positive number (e.g. 0.05 or 1/20), got '{text}'")
        if value <= 0:
            raise argparse.ArgumentTypeError(f"{name} must be positive, got {text}")
        return value
    return convert


def number(text):
    """argparse type: a finite number given as decimal or p/q (exact)."""
    try:
        return Fraction(text.strip())
    except (ValueError, ZeroDivisionError):
        raise argparse.ArgumentTypeError(f"not a number: '{text}'")


def domain(values):
    a, b = values
    if not a < b:
        raise CLIError(f"domain must satisfy A < B, got [{a}, {b}]")
    return a, b


def target(text):
    return parse_target(text)


def fmt(v, digits=4):
    if isinstance(v, Fraction):
        return f"{v} (= {float(v):.{digits}g})" if v.denominator != 1 else str(v)
    if isinstance(v, float):
        return f"{v:.{digits}g}"
    return str(v)


def info(*args):
    print(*args, file=sys.stdout)
