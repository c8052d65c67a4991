/*
 * unit.h — what every cmocka test file includes. Tests are built by the
 * Makefile as build/tests/test_NAME from tests/unit/test_NAME.c and linked
 * with the program's objects (all but main.c).
 */
#ifndef TUTOR_UNIT_H
#define TUTOR_UNIT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#endif
