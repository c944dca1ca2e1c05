package io.tandem.hdfs;

import java.util.ArrayList;
import java.util.List;

import org.apache.log4j.AppenderSkeleton;
import org.apache.log4j.Level;
import org.apache.log4j.Logger;
import org.apache.log4j.spi.LoggingEvent;

/** Collects the ERROR lines logged while it is attached (Hadoop logs through log4j 1 / reload4j). */
final class LogCapture extends AppenderSkeleton implements AutoCloseable {
  private final List<String> errors = new ArrayList<>();

  static LogCapture start() {
    LogCapture c = new LogCapture();
    c.setThreshold(Level.ERROR);
    Logger.getRootLogger().addAppender(c);
    return c;
  }

  @Override
  protected synchronized void append(LoggingEvent event) {
    errors.add(event.getLoggerName() + ": " + event.getRenderedMessage()
        + (event.getThrowableInformation() == null ? "" : " [with a stack trace]"));
  }

  synchronized List<String> errors() {
    return List.copyOf(errors);
  }

  /** The ERROR lines that name {@code key}. */
  synchronized List<String> errorsAbout(String key) {
    return errors.stream().filter(e -> e.contains(key)).toList();
  }

  @Override
  public void close() {
    Logger.getRootLogger().removeAppender(this);
  }

  @Override
  public boolean requiresLayout() {
    return false;
  }
}
