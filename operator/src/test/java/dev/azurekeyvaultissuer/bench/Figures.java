package dev.azurekeyvaultissuer.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/** Percentiles and a Markdown table printer for the benchmark's figures. */
final class Figures {

    private Figures() {}

    /** Nearest-rank percentile (0 < p <= 100) of the values; NaN when there are none. */
    static double percentile(List<Double> values, double p) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int rank = (int) Math.ceil(p / 100.0 * sorted.size());
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
    }

    static String mib(long bytes) {
        return bytes < 0 ? "n/a" : String.format(Locale.ROOT, "%.0f", bytes / (1024.0 * 1024.0));
    }

    static String num(double value, int decimals) {
        if (Double.isNaN(value) || Double.isInfinite(value)) {
            return "n/a";
        }
        return String.format(Locale.ROOT, "%." + decimals + "f", value);
    }

    /** A Markdown table: a header row, then rows of the same width. */
    static final class Table {
        private final List<String[]> rows = new ArrayList<>();

        Table(String... header) {
            rows.add(header);
        }

        Table row(Object... cells) {
            String[] r = new String[cells.length];
            for (int i = 0; i < cells.length; i++) {
                r[i] = String.valueOf(cells[i]);
            }
            rows.add(r);
            return this;
        }

        String render() {
            int columns = rows.get(0).length;
            int[] widths = new int[columns];
            for (String[] r : rows) {
                for (int i = 0; i < columns; i++) {
                    widths[i] = Math.max(widths[i], i < r.length ? r[i].length() : 0);
                }
            }
            StringBuilder out = new StringBuilder();
            for (int n = 0; n < rows.size(); n++) {
                String[] r = rows.get(n);
                out.append('|');
                for (int i = 0; i < columns; i++) {
                    String cell = i < r.length ? r[i] : "";
                    out.append(' ')
                            .append(cell)
                            .append(" ".repeat(widths[i] - cell.length()))
                            .append(" |");
                }
                out.append('\n');
                if (n == 0) {
                    out.append('|');
                    for (int i = 0; i < columns; i++) {
                        out.append(' ')
                                .append("-".repeat(Math.max(3, widths[i])))
                                .append(" |");
                    }
                    out.append('\n');
                }
            }
            return out.toString();
        }
    }
}
