package io.tandem.core.error;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import io.tandem.core.error.TandemException.Kind;

class TandemExceptionTest {

  @Nested
  class Kinds {

    @Test
    void exitCodesAreDistinctNonZeroAndShellSafe() {
      Set<Integer> codes = new HashSet<>();
      for (Kind k : Kind.values()) {
        assertTrue(codes.add(k.exitCode()), "exit code " + k.exitCode() + " of " + k + " is taken");
        // 0 is success; above 125 the shell reserves codes (126 not executable, 127 not found, 128+n signals).
        assertTrue(k.exitCode() >= 1 && k.exitCode() <= 125, k + " -> " + k.exitCode());
      }
    }

    @Test
    void httpStatusesAreDistinctErrors() {
      Set<Integer> statuses = new HashSet<>();
      for (Kind k : Kind.values()) {
        assertTrue(statuses.add(k.httpStatus()), k.toString());
        assertTrue(k.httpStatus() >= 400 && k.httpStatus() <= 599, k + " -> " + k.httpStatus());
      }
    }

    @Test
    void theCallersFaultIs4xxOursOrTheClustersIs5xx() {
      assertEquals(400, Kind.INVALID.httpStatus());
      assertEquals(404, Kind.NOT_FOUND.httpStatus());
      assertEquals(409, Kind.CONFLICT.httpStatus());
      assertEquals(503, Kind.UNAVAILABLE.httpStatus());
      assertEquals(500, Kind.FAILED.httpStatus());
    }

    @Test
    void invalidInputExitsLikeAUsageError() {
      // picocli and most Unix tools exit 2 on bad usage; a generic failure is 1.
      assertEquals(2, Kind.INVALID.exitCode());
      assertEquals(1, Kind.FAILED.exitCode());
    }
  }

  @Nested
  class Factories {

    @Test
    void eachFactoryGivesItsKindAndKeepsMessageAndCause() {
      IOException cause = new IOException("connection refused");
      List<Object[]> cases = new ArrayList<>();
      cases.add(new Object[] {TandemException.invalid("m1"), Kind.INVALID, "m1", null});
      cases.add(new Object[] {TandemException.notFound("m2"), Kind.NOT_FOUND, "m2", null});
      cases.add(new Object[] {TandemException.conflict("m3"), Kind.CONFLICT, "m3", null});
      cases.add(new Object[] {TandemException.unavailable("m4", cause), Kind.UNAVAILABLE, "m4", cause});
      cases.add(new Object[] {TandemException.failed("m5", cause), Kind.FAILED, "m5", cause});
      for (Object[] c : cases) {
        TandemException e = (TandemException) c[0];
        assertEquals(c[1], e.kind());
        assertEquals(c[2], e.getMessage());
        assertSame(c[3], e.getCause());
      }
    }

    @Test
    void constructorsKeepKindMessageAndCause() {
      TandemException plain = new TandemException(Kind.NOT_FOUND, "table billing:orders does not exist");
      assertEquals(Kind.NOT_FOUND, plain.kind());
      assertNull(plain.getCause());
      RuntimeException cause = new IllegalStateException("x");
      TandemException caused = new TandemException(Kind.FAILED, "copy failed", cause);
      assertSame(cause, caused.getCause());
      assertEquals("copy failed", caused.getMessage());
    }

    @Test
    void isUnchecked() {
      assertThrows(RuntimeException.class, () -> {
        throw TandemException.invalid("x");
      });
    }
  }

  @Nested
  class PolicyInvalid {

    @Test
    void isInvalidAndJoinsEveryProblemOnOneLine() {
      PolicyInvalidException e = new PolicyInvalidException("billing", List.of("no schedule", "retain must be >= 1"));
      assertEquals(Kind.INVALID, e.kind());
      assertEquals("policy billing is invalid: no schedule; retain must be >= 1", e.getMessage());
      assertEquals(List.of("no schedule", "retain must be >= 1"), e.problems());
    }

    @Test
    void anUnnamedPolicyIsCalledSo() {
      assertTrue(new PolicyInvalidException(null, List.of("p")).getMessage().startsWith("policy <unnamed> is invalid"));
      assertTrue(new PolicyInvalidException(" ", List.of("p")).getMessage().startsWith("policy <unnamed> is invalid"));
    }

    @Test
    void problemsAreACopy() {
      List<String> problems = new ArrayList<>(List.of("a"));
      PolicyInvalidException e = new PolicyInvalidException("billing", problems);
      problems.add("b");
      assertEquals(List.of("a"), e.problems());
      assertThrows(UnsupportedOperationException.class, () -> e.problems().add("c"));
    }

    @Test
    void theMessageIsOneLineEvenIfAProblemQuotesLineBreaks() {
      PolicyInvalidException e = new PolicyInvalidException("bill\ning",
          List.of("service name \"bill\ning\" is bad", "bad data set \"hdfs:/a\r\nb\""));
      assertFalse(e.getMessage().contains("\n") || e.getMessage().contains("\r"), e.getMessage());
      // The break stays visible, escaped, so the admin sees what they typed.
      assertTrue(e.getMessage().contains("bill\\ning"), e.getMessage());
      assertTrue(e.getMessage().contains("hdfs:/a\\r\\nb"), e.getMessage());
      // The problems themselves are kept as found.
      assertEquals("service name \"bill\ning\" is bad", e.problems().get(0));
    }
  }
}
