package io.tandem.core.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TransferModeTest {

  @Test
  void parsesEitherCaseAndIgnoresSurroundingSpace() {
    assertEquals(TransferMode.PUSH, TransferMode.parse("push"));
    assertEquals(TransferMode.PUSH, TransferMode.parse("PUSH"));
    assertEquals(TransferMode.PULL, TransferMode.parse(" Pull\n"));
  }

  @Test
  void textIsLowerCaseAndParsesBack() {
    assertEquals("push", TransferMode.PUSH.text());
    assertEquals("pull", TransferMode.PULL.text());
    for (TransferMode m : TransferMode.values()) {
      assertEquals(m, TransferMode.parse(m.text()));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " ", "copy", "pushpull", "push,pull", "p"})
  void unknownModeIsRefusedNamingItAndTheChoices(String text) {
    String msg = assertThrows(IllegalArgumentException.class, () -> TransferMode.parse(text)).getMessage();
    assertTrue(msg.contains("\"" + text + "\""), msg);
    assertTrue(msg.contains("push") && msg.contains("pull"), msg);
  }

  @Test
  void nullIsRefusedWithTheSameMessageKind() {
    String msg = assertThrows(IllegalArgumentException.class, () -> TransferMode.parse(null)).getMessage();
    assertTrue(msg.contains("push or pull"), msg);
  }
}
