package io.nlistream.streamer.support;

import io.nlistream.schemas.Json;
import io.nlistream.schemas.event.NliPair;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/** French test pairs of varied lengths (the project's own sentences, not XNLI). */
public final class Pairs {
    private static final String[] PREMISES = {
        "Le chat dort sur le canapé.",
        "Marie a pris le train de sept heures pour aller travailler à Lyon, comme tous les lundis depuis trois ans.",
        "Il pleut.",
        "Les enfants jouent dans le jardin pendant que leurs parents préparent le repas du soir dans la cuisine.",
        "La réunion a été reportée à jeudi.",
        "Après des mois de travaux, la bibliothèque municipale rouvre enfin ses portes au public ce samedi matin.",
    };
    private static final String[] HYPOTHESES = {
        "Un animal se repose.",
        "Marie travaille à Lyon.",
        "Le temps est sec.",
        "Personne n'est à la maison.",
        "La réunion aura lieu plus tard.",
        "La bibliothèque est fermée pour toujours.",
    };

    private Pairs() {}

    public static NliPair pair(String id, int i) {
        return new NliPair(
                id, PREMISES[i % PREMISES.length], HYPOTHESES[(i / PREMISES.length + i) % HYPOTHESES.length]);
    }

    public static List<NliPair> pairs(String prefix, int n) {
        List<NliPair> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(pair(prefix + "-" + i, i));
        }
        return out;
    }

    public static byte[] json(NliPair pair) {
        try {
            return Json.mapper().writeValueAsBytes(pair);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
