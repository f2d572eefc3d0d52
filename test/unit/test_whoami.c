/* whoami.c: the who-am-I page, escaped, with what the TGT said. */
#include <stdlib.h>
#include <string.h>

#include "../../kredir.h"
#include "unit.h"

static void
test_whoami_page(void)
{
	struct whoami w;
	char html[4096];

	memset(&w, 0, sizeof(w));
	strcpy(w.principal, "<alice>@KREDIR.TEST");
	w.mechanism = "Kerberos 5 (SPNEGO)";
	w.node = "node1.kredir.test";
	w.delegated = true;
	w.tgt = true;
	w.forwardable = w.forwarded = true;
	w.ok_as_delegate_known = true;
	w.end = 86400;
	CU_ASSERT(whoami_html(&w, html, sizeof(html)) > 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(html, "&lt;alice&gt;@KREDIR.TEST"));
	CU_ASSERT_PTR_NULL(strstr(html, "<alice>"));
	CU_ASSERT_PTR_NOT_NULL(strstr(html,
	    "<td id=\"delegated\">yes</td>"));
	CU_ASSERT_PTR_NOT_NULL(strstr(html,
	    "<td id=\"forwarded\">yes</td>"));
	CU_ASSERT_PTR_NOT_NULL(strstr(html,
	    "<td id=\"ok_as_delegate\">no</td>"));
	CU_ASSERT_PTR_NOT_NULL(strstr(html, "1970-01-02 00:00:00 UTC"));
	CU_ASSERT_PTR_NOT_NULL(strstr(html, "<td id=\"start\">-</td>"));
	w.delegated = w.tgt = w.ok_as_delegate_known = false;
	CU_ASSERT(whoami_html(&w, html, sizeof(html)) > 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(html, "<td id=\"delegated\">no</td>"));
	CU_ASSERT_PTR_NOT_NULL(strstr(html,
	    "<td id=\"forwarded\">-</td>"));
	CU_ASSERT_PTR_NOT_NULL(strstr(html,
	    "<td id=\"ok_as_delegate\">unknown</td>"));
	CU_ASSERT_EQUAL(whoami_html(&w, html, 100), 0);
}

void
suite_whoami(void)
{
	UNIT_SUITE("whoami", UNIT_TEST(test_whoami_page));
}
