"""A Keras training script, as hypolab calls it: ``fit(config, seed, data, callbacks)``.

``hypotheses/own_trainer.yaml`` names it (``base.trainer: digits_trainer:fit``);
hypolab imports it from this folder, sets the seed, and calls it once per run.
Everything below is ordinary Keras: the only hypolab parts are where the
numbers come from (``config.args``, ``config.epochs``, ``config.batch_size``),
the data splits (``data.x_train``...) and passing ``callbacks`` to ``fit``.
"""

import keras


def fit(config, seed, data, callbacks):
    """Build, compile and train the model; return the History (hypolab tests ``history.model``)."""
    model = keras.Sequential([
        keras.Input(data.input_shape),
        keras.layers.Flatten(),
        keras.layers.Dense(config.args["units"], activation="relu"),
        keras.layers.Dropout(config.args["dropout"]),
        keras.layers.Dense(data.num_classes, activation="softmax"),
    ])
    model.compile(optimizer=keras.optimizers.Adam(config.args["learning_rate"]),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model.fit(data.x_train, data.y_train, validation_data=(data.x_val, data.y_val),
                     epochs=config.epochs, batch_size=config.batch_size, callbacks=callbacks, verbose=0)
