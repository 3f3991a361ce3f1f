#pragma once
#include <lber.h>
#include <ldap.h>
