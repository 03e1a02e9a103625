"""Needlecare: software for skin clinics that run microneedling programs."""
