package io.nlistream.schemas.validation;

/**
 * One broken rule: {@code field} is the instance location as a dotted path ({@code premise}, {@code metadata.a.b},
 * {@code probabilities}), {@code message} reads as a sentence that starts with the field.
 */
public record Violation(String field, String message) {
    @Override
    public String toString() {
        return message;
    }
}
